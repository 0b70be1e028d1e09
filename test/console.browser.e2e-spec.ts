import { newApiKey } from './support/api-keys';
import { useBrowser } from './support/browser';
import { signIn, UNAUTHORIZED_CALL } from './support/console-session';
import { pollUntil } from './support/poll';
import { ThrowawayPostgres } from './support/postgres';
import { ThrowawayRedis } from './support/redis';
import { TestApp, useTestApp } from './support/test-app';

const operator = newApiKey('operator', 'admin');
const message = { from: 'shop@example.com', to: 'ann@example.com', text: 'Hello' };
/** What Chromium logs of each of a message's scripts and event handlers that the sandboxed frame refused to run. */
/** What Chromium logs of a listing the API could not answer while the history is away. */
const UNAVAILABLE_CALL = 'console.error: Failed to load resource: the server responded with a status of 503 (Service Unavailable)';
const SCRIPT_BLOCKED =
  "console.error: Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed and the 'allow-scripts' permission is not set.";

describe('the console in a browser, with API keys configured', () => {
  const running = useTestApp({ env: { API_KEYS: operator.entry } });
  const browser = useBrowser();
  let url: string;

  beforeAll(async () => {
    url = `${await running.app.listen()}/console/`;
  });

  it('refuses a wrong key, signs in with a right one, and keeps it only in the tab', async () => {
    const { page } = browser;
    await page.goto(url);
    await signIn(browser.page, 'mr_not-a-key-of-this-server');
    await page.getByRole('alert').filter({ hasText: 'mailroute refused this key.' }).waitFor();

    await signIn(browser.page, operator.key);
    await page.getByRole('heading', { name: 'Messages' }).waitFor();
    expect(page.url()).not.toContain(operator.key);
    expect(await browser.context.cookies()).toEqual([]);
    expect(await page.evaluate('Object.values(sessionStorage)')).toEqual([operator.key]);

    await page.reload();
    await page.getByRole('heading', { name: 'Messages' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    // The first look without a key, and the wrong key: nothing else failed.
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL, UNAUTHORIZED_CALL]);
  });

  it('shows a message sent through the API reach sent, without a reload', async () => {
    const { page } = browser;
    await page.goto(url);
    await signIn(browser.page, operator.key);
    await page.getByRole('heading', { name: 'Messages' }).waitFor();

    const subject = `Watched from the console ${Date.now()}`;
    const { body } = await running.app.http.post('/v1/emails').set('Authorization', operator.bearer).send({ ...message, subject }).expect(202);
    const row = page.getByRole('row').filter({ hasText: subject });
    await row.getByText('sent', { exact: true }).waitFor({ timeout: 20_000 });
    expect(await row.getAttribute('data-id')).toBe(body.id);
    await expectStatusFilter(subject);
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL]);
  });

  it('opens a message from the list and shows its attempt and its timeline', async () => {
    const { page } = browser;
    await page.goto(url);
    await signIn(browser.page, operator.key);
    const subject = `Opened in the console ${Date.now()}`;
    const { body } = await running.app.http.post('/v1/emails').set('Authorization', operator.bearer).send({ ...message, subject }).expect(202);
    await running.app.waitForStatus(body.id, ['sent'], operator.bearer);

    await page.getByRole('link', { name: subject }).click();
    await page.getByRole('heading', { name: subject }).waitFor();
    expect(page.url()).toContain(`#/messages/${body.id}`);
    const attempt = page.getByRole('region', { name: 'Attempts' }).getByRole('row').filter({ hasText: 'outbox' });
    await attempt.getByRole('cell', { name: 'sent', exact: true }).waitFor();
    const timeline = page.getByRole('region', { name: 'Timeline' }).getByRole('listitem');
    await timeline.filter({ hasText: 'queued' }).waitFor();
    await timeline.filter({ hasText: 'sent' }).last().waitFor();
    await page.getByRole('link', { name: 'All messages' }).click();
    await page.getByRole('heading', { name: 'Messages' }).waitFor();
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL]);
  });

  it("shows a message's HTML in a sandboxed frame where its scripts do not run, its text and its attachments", async () => {
    const { page } = browser;
    const html =
      '<p id="shown" style="color: rgb(1, 2, 3)">Rendered in the frame</p>' +
      '<script>document.body.dataset.scriptRan = "yes"; parent.document.title = "taken over";</script>' +
      '<img src="data:," onload="document.body.dataset.handlerRan = \'yes\'" onerror="document.body.dataset.handlerRan = \'yes\'">';
    const attachment = { filename: 'invoice-1042.pdf', contentType: 'application/pdf', content: Buffer.alloc(2048, 7).toString('base64') };
    const subject = `Scripted HTML ${Date.now()}`;
    const { body } = await running.app.http
      .post('/v1/emails')
      .set('Authorization', operator.bearer)
      .send({ ...message, subject, text: 'The plain version', html, attachments: [attachment] })
      .expect(202);
    await page.goto(`${url}#/messages/${body.id}`);
    await signIn(browser.page, operator.key);
    await page.getByRole('heading', { name: subject }).waitFor();

    const frame = page.frameLocator('iframe[title="The message\'s HTML body"]');
    const shown = frame.locator('#shown');
    await shown.waitFor();
    expect(await shown.evaluate((element) => element.ownerDocument.defaultView?.getComputedStyle(element).color)).toBe('rgb(1, 2, 3)');
    expect(await page.locator('iframe.html-body').getAttribute('sandbox')).toBe('');
    await page.getByText('The plain version').waitFor();
    await page.getByRole('row').filter({ hasText: 'invoice-1042.pdf' }).getByRole('cell', { name: 'application/pdf' }).waitFor();

    // Neither the script nor the handler ran, in the frame or in the console around it.
    expect(await frame.locator('body').evaluate((frameBody) => ({ ...frameBody.dataset }))).toEqual({});
    expect(await page.title()).toBe('mailroute console');
    const [signedOut, ...blocked] = browser.pageErrors();
    expect(signedOut).toBe(UNAUTHORIZED_CALL);
    // The script and the handler at least (Chromium may report a handler once per event it refuses).
    expect(blocked.length).toBeGreaterThanOrEqual(2);
    expect(new Set(blocked)).toEqual(new Set([SCRIPT_BLOCKED]));
  });

  it('sends a message again from its page, opens the copy once sent, and links the copy back to the original', async () => {
    const { page } = browser;
    const subject = `Sent again from the console ${Date.now()}`;
    const { body } = await running.app.http.post('/v1/emails').set('Authorization', operator.bearer).send({ ...message, subject, tags: ['again'] }).expect(202);
    await running.app.waitForStatus(body.id, ['sent'], operator.bearer);
    await page.goto(`${url}#/messages/${body.id}`);
    await signIn(browser.page, operator.key);
    await page.getByRole('heading', { name: subject }).waitFor();

    await page.getByRole('button', { name: 'Send again' }).click();
    const original = page.getByRole('link', { name: body.id });
    await original.waitFor();
    const copyId = /#\/messages\/([0-9a-f-]{36})$/.exec(page.url())![1];
    expect(copyId).not.toBe(body.id);
    await page.locator('.envelope').getByText('sent', { exact: true }).waitFor({ timeout: 20_000 });
    const copy = (await running.app.http.get(`/v1/emails/${copyId}`).set('Authorization', operator.bearer).expect(200)).body;
    expect(copy).toMatchObject({ subject, tags: ['again'], resentFrom: body.id, status: 'sent' });

    await original.click();
    await page.getByRole('heading', { name: subject }).waitFor();
    expect(page.url()).toContain(`#/messages/${body.id}`);
    expect(await page.getByRole('link', { name: body.id }).count()).toBe(0);
    // And the original links to its copy, once the history has it.
    await page.getByRole('link', { name: copyId }).waitFor({ timeout: 20_000 });
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL]);
  });

  it('cancels a scheduled message', async () => {
    const { page } = browser;
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const { body } = await running.app.http
      .post('/v1/emails')
      .set('Authorization', operator.bearer)
      .send({ ...message, subject: 'Due in an hour', sendAt })
      .expect(202);
    await page.goto(`${url}#/messages/${body.id}`);
    await signIn(browser.page, operator.key);
    await page.getByRole('heading', { name: 'Due in an hour' }).waitFor();
    await page.getByRole('button', { name: 'Cancel this message' }).click();
    await page.locator('.envelope').getByText('cancelled', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel this message' }).count()).toBe(0);
    expect((await running.app.http.get(`/v1/emails/${body.id}`).set('Authorization', operator.bearer).expect(200)).body.status).toBe('cancelled');
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL]);
  });

  /** Filtering by another status hides the sent message; by `sent` shows it again. */
  async function expectStatusFilter(subject: string): Promise<void> {
    const { page } = browser;
    const row = page.getByRole('row').filter({ hasText: subject });
    await filterBy({ Status: 'failed' });
    await row.waitFor({ state: 'detached' });
    await filterBy({ Status: 'sent' });
    await row.waitFor();
  }

  /** Fills the filter form's fields by their labels (a select by its option) and applies them. */
  async function filterBy(fields: Record<string, string>): Promise<void> {
    const form = browser.page.getByRole('search');
    for (const [label, value] of Object.entries(fields)) {
      const field = form.getByLabel(label);
      if (label === 'Status') await field.selectOption(value);
      else await field.fill(value);
    }
    await form.getByRole('button', { name: 'Filter' }).click();
  }

  it('filters by recipient, tag and subject words, and pages to older messages and back', async () => {
    const { page } = browser;
    const run = Date.now();
    const batch = Array.from({ length: 23 }, (_, n) => ({ ...message, to: `reader-${n}-${run}@example.com`, subject: `Page test ${n}`, tags: [`paging-${run}`] }));
    await running.app.http.post('/v1/emails/batch').set('Authorization', operator.bearer).send(batch).expect(202);
    await page.goto(url);
    await signIn(browser.page, operator.key);

    await filterBy({ Recipient: `reader-7-${run}@example.com` });
    await page.getByRole('link', { name: 'Page test 7', exact: true }).waitFor();
    await page.getByRole('row').nth(2).waitFor({ state: 'detached' });

    await filterBy({ Recipient: '', Tag: `paging-${run}` });
    const subjects = () => page.getByRole('table').getByRole('link').allTextContents();
    await page.getByRole('button', { name: 'Older' }).waitFor();
    const newest = await subjects();
    expect(newest).toHaveLength(20);
    await page.getByRole('button', { name: 'Older' }).click();
    // The other three, once the history has all of them (the page keeps itself current).
    await pollUntil(() => page.getByRole('table').getByRole('link').count(), (count) => count === 3);
    const older = await subjects();
    expect([...newest, ...older].sort()).toEqual(batch.map(({ subject }) => subject).sort());
    expect(await page.getByRole('button', { name: 'Older' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Newest' }).click();
    await page.getByRole('button', { name: 'Older' }).waitFor();
    expect(await subjects()).toEqual(newest);

    await filterBy({ Tag: '', 'Subject words': 'nothing-matches-this' });
    await page.getByText('No messages.').waitFor();
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL]);
  });
});

describe('the console in a browser, on a mailroute without API keys (loopback only)', () => {
  const running = useTestApp();
  const browser = useBrowser();

  it('opens on the messages directly, with nothing to sign out of', async () => {
    const { page } = browser;
    await page.goto(`${await running.app.listen()}/console/`);
    await page.getByRole('heading', { name: 'Messages' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(await page.getByLabel('API key').count()).toBe(0);
    expect(browser.pageErrors()).toEqual([]);
  });
});

describe('the console in a browser, while PostgreSQL is down', () => {
  const browser = useBrowser();
  let redis: ThrowawayRedis;
  let postgres: ThrowawayPostgres;
  let app: TestApp;

  beforeAll(async () => {
    [redis, postgres] = await Promise.all([ThrowawayRedis.start(), ThrowawayPostgres.start()]);
    app = await TestApp.start({ redisUrl: redis.url, databaseUrl: await postgres.createDatabase() });
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([redis?.stop(), postgres?.stop()]);
  });

  it('opens, though its first look (a listing) is answered 503; shows a message in flight, from Redis; and says why its copies cannot be listed rather than that it has none', async () => {
    const { page } = browser;
    const { body } = await app.send({ ...message, subject: 'Due while the history is away', sendAt: new Date(Date.now() + 3_600_000).toISOString() }).expect(202);
    await postgres.server.kill();

    await page.goto(`${await app.listen()}/console/#/messages/${body.id}`);
    await page.getByRole('heading', { name: 'Due while the history is away' }).waitFor();
    await page.getByText('not known now (mailroute answered 503: The message history (PostgreSQL) is unreachable; try again.)').waitFor();
    await page.locator('.envelope').getByText('scheduled', { exact: true }).waitFor();
    expect(new Set(browser.pageErrors())).toEqual(new Set([UNAVAILABLE_CALL]));
  });
});
