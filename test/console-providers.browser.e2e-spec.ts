import { newApiKey } from './support/api-keys';
import { useBrowser } from './support/browser';
import { FORBIDDEN_CALL, signIn, UNAUTHORIZED_CALL } from './support/console-session';
import { FakeWorld } from './support/fake-world';
import { pollUntil } from './support/poll';
import { TestApp } from './support/test-app';

const operator = newApiKey('operator', 'admin');
const sender = newApiKey('sender', 'send');
const message = { from: 'shop@example.com', to: 'ann@example.com', subject: 'Charted', text: 'Hello' };

describe("the console's providers page in a browser, with SendGrid and Mailgun configured", () => {
  let world: FakeWorld;
  let app: TestApp;
  let url: string;
  const browser = useBrowser();

  beforeAll(async () => {
    world = await FakeWorld.start();
    app = await TestApp.start({ redisUrl: world.redis.url, env: { ...world.env, API_KEYS: [operator.entry, sender.entry].join(',') } });
    url = `${await app.listen()}/console/#/providers`;
  });
  afterAll(async () => {
    await app?.close();
    await world?.stop();
  });

  async function openAs(key: string): Promise<void> {
    await browser.page.goto(url);
    await signIn(browser.page, key);
    await browser.page.getByRole('heading', { name: 'Providers' }).waitFor();
  }

  async function deliver(subject: string) {
    const { body } = await app.http.post('/v1/emails').set('Authorization', operator.bearer).send({ ...message, subject }).expect(202);
    return app.waitForStatus(body.id, ['sent', 'failed'], operator.bearer);
  }

  const enabledOf = async (name: string) =>
    (await app.http.get('/v1/providers').set('Authorization', operator.bearer).expect(200)).body.find((provider: { name: string }) => provider.name === name).enabled;

  it('lists the providers with their state, charts their last hour, and takes one out of rotation and back for an admin key', async () => {
    const { page } = browser;
    // SendGrid fails the first message, which Mailgun then sends; SendGrid sends the second.
    world.sendgrid.answerNext({ status: 500 });
    expect([(await deliver('first')).provider, (await deliver('second')).provider]).toEqual(['mailgun', 'sendgrid']);
    await openAs(operator.key);

    const rows = page.getByRole('row');
    await rows.filter({ hasText: 'sendgrid' }).getByRole('cell', { name: 'closed', exact: true }).waitFor();
    expect(await rows.nth(1).getByRole('cell').allTextContents()).toEqual(['sendgrid', '1', 'yes', 'closed', '—', expect.any(String), 'none', '2', '50%', expect.stringMatching(/^\d+ ms$/), 'Disable']);
    expect(await rows.nth(2).getByRole('cell').first().textContent()).toBe('mailgun');

    const charts = page.getByRole('region', { name: 'Last hour' });
    await charts.getByRole('img', { name: /sendgrid: 1 sent, 1 failed in the last hour/ }).waitFor();
    await charts.getByRole('img', { name: /mailgun: 1 sent, 0 failed in the last hour/ }).waitFor();
    expect(await charts.locator('canvas').count()).toBe(2);

    await page.getByRole('button', { name: 'Disable sendgrid' }).click();
    await page.getByRole('button', { name: 'Enable sendgrid' }).waitFor();
    expect(await enabledOf('sendgrid')).toBe(false);
    expect((await deliver('while sendgrid is off')).provider).toBe('mailgun');
    // The chart keeps itself current: Mailgun's second send shows without a reload.
    await charts.getByRole('img', { name: /mailgun: 2 sent, 0 failed/ }).waitFor();

    await page.getByRole('button', { name: 'Enable sendgrid' }).click();
    await page.getByRole('button', { name: 'Disable sendgrid' }).waitFor();
    expect(await enabledOf('sendgrid')).toBe(true);
    expect((await deliver('sendgrid is back')).provider).toBe('sendgrid');
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL]);
  });

  it("shows a message's failed attempt with the provider's error, before the attempt of the provider that sent it", async () => {
    const { page } = browser;
    world.sendgrid.answerNext({ status: 503 });
    const message = await deliver('failed over');
    expect(message.provider).toBe('mailgun');
    await openAs(operator.key);
    await page.goto(`${url.replace('#/providers', '')}#/messages/${message.id}`);
    await page.getByRole('heading', { name: 'failed over' }).waitFor();

    const attempts = page.getByRole('region', { name: 'Attempts' }).getByRole('row');
    const failed = await attempts.nth(1).getByRole('cell').allTextContents();
    expect(failed).toEqual(['sendgrid', '1', expect.any(String), expect.stringMatching(/^\d+ ms$/), 'failed', `transient: ${message.attempts[0].error.message}`]);
    expect(message.attempts[0].error.message).toMatch(/503/);
    expect(await attempts.nth(2).getByRole('cell').nth(4).textContent()).toBe('sent');
    expect(await attempts.nth(2).getByRole('cell').first().textContent()).toBe('mailgun');
    await page.getByRole('region', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: 'attempt_failed' }).waitFor();
    expect(browser.pageErrors()).toEqual([UNAUTHORIZED_CALL]);
  });

  it("shows a send key the API's refusal instead of the providers, and the API refuses it the switch", async () => {
    const { page } = browser;
    await openAs(sender.key);

    await page.getByRole('alert').filter({ hasText: 'mailroute answered 403' }).waitFor();
    expect(await page.getByRole('table').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^(Disable|Enable) / }).count()).toBe(0);

    await app.http.post('/v1/providers/sendgrid/disable').set('Authorization', sender.bearer).expect(403);
    expect(await enabledOf('sendgrid')).toBe(true);
    // The states and the activity, each refused once: a refusal of the key is not asked again.
    const errors = await pollUntil(async () => browser.pageErrors(), (seen) => seen.length >= 3);
    expect(errors).toEqual([UNAUTHORIZED_CALL, FORBIDDEN_CALL, FORBIDDEN_CALL]);
  });
});
