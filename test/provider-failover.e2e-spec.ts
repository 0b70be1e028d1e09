import { FakeWorld } from './support/fake-world';
import { TestApp } from './support/test-app';

const message = { from: 'Shop <shop@example.com>', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };

describe('MAIL_PROVIDERS=sendgrid,mailgun through the real app', () => {
  let world: FakeWorld;
  let sendgrid: FakeWorld['sendgrid'];
  let mailgun: FakeWorld['mailgun'];
  let app: TestApp;

  beforeAll(async () => {
    world = await FakeWorld.start();
    ({ sendgrid, mailgun } = world);
    app = await TestApp.start({ redisUrl: world.redis.url, env: world.env });
  });
  beforeEach(() => {
    sendgrid.reset();
    mailgun.reset();
  });
  afterAll(async () => {
    await app?.close();
    await world?.stop();
  });

  it('sends through SendGrid when it accepts', async () => {
    const { body } = await app.send(message).expect(202);
    const sent = await app.waitForStatus(body.id, ['sent', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', provider: 'sendgrid' });
    expect(sent.providerMessageId).toMatch(/\S{10,}/);
    expect(sendgrid.received).toHaveLength(1);
    expect(mailgun.received).toHaveLength(0);
  });

  it('fails over to Mailgun when SendGrid answers 500, recording both attempts', async () => {
    sendgrid.answerNext({ status: 500 });
    const { body } = await app.send(message).expect(202);

    const sent = await app.waitForStatus(body.id, ['sent', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', provider: 'mailgun' });
    expect(sent.attempts).toEqual([
      expect.objectContaining({ provider: 'sendgrid', outcome: 'failed', error: { type: 'transient', message: expect.stringContaining('HTTP 500') } }),
      expect.objectContaining({ provider: 'mailgun', outcome: 'sent', providerMessageId: sent.providerMessageId }),
    ]);
    expect(mailgun.received).toHaveLength(1);
    expect(mailgun.received[0].fields['v:mailroute-id']).toEqual([body.id]);
  });

  it('fails the message at once when SendGrid answers 400, and Mailgun receives nothing', async () => {
    sendgrid.answerNext({ status: 400, body: { errors: [{ message: 'Invalid from address', field: 'from', help: null }] } });
    const { body } = await app.send(message).expect(202);

    const failed = await app.waitForStatus(body.id, ['sent', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({
      type: 'permanent',
      message: 'sendgrid answered HTTP 400: Invalid from address (from)',
    });
    expect(failed.attempts).toHaveLength(1);
    expect(mailgun.received).toHaveLength(0);
  });

  it('lists both providers in /health/ready', async () => {
    const { body } = await app.http.get('/health/ready').expect(200);
    const usable = { status: 'up', enabled: true, breaker: 'closed' };
    expect(body.details.providers).toEqual({ status: 'up', sendgrid: usable, mailgun: usable });
  });
});
