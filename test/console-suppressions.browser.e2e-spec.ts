import { newApiKey } from './support/api-keys';
import { useBrowser } from './support/browser';
import { FORBIDDEN_CALL, signIn, UNAUTHORIZED_CALL } from './support/console-session';
import { pollUntil } from './support/poll';
import { ProviderEventSigner } from './support/provider-event-signer';
import { useTestApp } from './support/test-app';

const operator = newApiKey('operator', 'admin');
const sender = newApiKey('shop', 'send');
const signer = new ProviderEventSigner();
const message = { from: 'shop@example.com', to: 'ann@example.com', text: 'Hello' };

describe('the console\'s suppressions and queue pages in a browser', () => {
  const running = useTestApp({ env: { API_KEYS: [operator.entry, sender.entry].join(','), ...signer.env } });
  const browser = useBrowser();
  let url: string;

  beforeAll(async () => {
    url = `${await running.app.listen()}/console/`;
  });

  /** Suppresses `recipient` as Mailgun's signed complaint webhook does. */
  async function complaintAbout(recipient: string): Promise<void> {
    await running.app.http
      .post('/v1/inbound/mailgun')
      .send({ signature: signer.mailgunSignature(), 'event-data': { event: 'complained', recipient } })
      .expect(200, { recorded: 1 });
  }

  const listed = async (search: string): Promise<string[]> =>
    (await running.app.http.get('/v1/suppressions').query({ search }).set('Authorization', operator.bearer).expect(200)).body.map(
      ({ email }: { email: string }) => email,
    );

  it('shows an admin a suppressed address, finds it by search, and removes it from the list', async () => {
    const { page } = browser;
    const run = Date.now();
    const angry = `angry-${run}@example.com`;
    const other = `other-${run}@example.com`;
    await complaintAbout(angry);
    await complaintAbout(other);
    await page.goto(`${url}#/suppressions`);
    await signIn(browser.page, operator.key);
    await page.getByRole('heading', { name: 'Suppressions' }).waitFor();

    const row = (address: string) => page.getByRole('row').filter({ hasText: address });
    await row(angry).getByRole('cell', { name: 'complaint', exact: true }).waitFor();
    await row(other).waitFor();
    await page.getByRole('search').getByLabel('Address contains').fill(`ANGRY-${run}`);
    await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
    // The search's answer, once the page shows it: the one address, and the other gone.
    await page.getByText('Newest first: 1 of 1').waitFor();
    await row(angry).getByRole('cell', { name: 'mailgun', exact: true }).waitFor();
    expect(await row(other).count()).toBe(0);

    await page.getByRole('button', { name: `Remove ${angry}` }).click();
    await page.getByText('No suppressed addresses.').waitFor();
    expect(await listed(`angry-${run}`)).toEqual([]);
    expect(await listed(`other-${run}`)).toEqual([other]);
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL]);
  });

  it('shows a send key the API\'s refusal of the list, not an empty one', async () => {
    const { page } = browser;
    await complaintAbout(`hidden-${Date.now()}@example.com`);
    await page.goto(`${url}#/suppressions`);
    await signIn(browser.page, sender.key);
    await page.getByRole('alert').filter({ hasText: 'mailroute answered 403: This API key does not have the admin scope' }).waitFor();
    expect(await page.getByRole('table').count()).toBe(0);
    expect(await page.getByText('No suppressed addresses.').count()).toBe(0);
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL, FORBIDDEN_CALL]);
  });

  it('counts a scheduled message as a delayed mail job, and links to the job dashboard', async () => {
    const { page } = browser;
    await page.goto(`${url}#/queue`);
    await signIn(browser.page, operator.key);
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    const table = page.getByRole('table', { name: 'Jobs by state' });
    const mailRow = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'mail', exact: true }) });
    // The row's cells follow its header, the queue's name, which is the first column.
    const column = (await table.getByRole('columnheader').allTextContents()).indexOf('Delayed') - 1;
    const delayed = () => mailRow.getByRole('cell').nth(column).textContent();
    const before = Number(await pollUntil(delayed, (text) => text !== null));

    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    await running.app.http.post('/v1/emails').set('Authorization', operator.bearer).send({ ...message, subject: 'Due in an hour', sendAt }).expect(202);
    await pollUntil(delayed, (text) => Number(text) === before + 1);

    const dashboard = page.getByRole('link', { name: 'Open the job dashboard' });
    expect(await dashboard.getAttribute('href')).toBe('/admin/queues');
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL]);
  });
});
