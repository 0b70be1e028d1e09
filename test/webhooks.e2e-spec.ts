import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { MAILROUTE_SIGNATURE_HEADER, verifyMailrouteSignature } from '../src/webhooks/webhooks.module';
import { pollUntil } from './support/poll';
import { loggedLines } from './support/secret-watch';
import { ThrowawayRedis } from './support/redis';
import { TestApp } from './support/test-app';
import { ReceivedWebhook, WebhookReceiver } from './support/webhook-receiver';
import { newWebhookSecret } from './support/webhook-secret';
import { WEBHOOK_SECRET, startWebhookWorld, stopWebhookWorld } from './support/webhook-world';

const message = { from: 'shop@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };
const ANOTHER_SECRET = newWebhookSecret();

/** What a receiver does with each call: hands the raw body and the headers to its Standard Webhooks library. */
const verifyAsReceiver = (secret: string, { body, headers }: ReceivedWebhook) =>
  new Webhook(secret).verify(body, headers as Record<string, string>);
const mailrouteSignatureOf = (call: ReceivedWebhook) => call.headers[MAILROUTE_SIGNATURE_HEADER.toLowerCase()] as string;
const tampered = (call: ReceivedWebhook) => ({ ...call, body: call.body.replace('"type"', '"kind"') });

describe('webhooks', () => {
  let redis: ThrowawayRedis;
  let receiver: WebhookReceiver;
  let app: TestApp;

  beforeAll(async () => {
    ({ redis, receiver, app } = await startWebhookWorld({ WEBHOOK_RETRY_BASE_MS: '50' }));
  });
  afterAll(() => stopWebhookWorld({ app, redis, receiver }));

  const eventsFor = (id: string) =>
    receiver.received.map(({ body }) => JSON.parse(body)).filter((payload) => payload.data.emailId === id);

  it('posts every status change, each signed per Standard Webhooks, which the receiver\'s library verifies', async () => {
    const { body } = await app.send(message).expect(202);
    const posted = await pollUntil(
      async () => eventsFor(body.id),
      (events) => events.some((event) => event.type === 'email.sent'),
    );
    expect(posted.map((event) => event.type).sort()).toEqual(['email.queued', 'email.sending', 'email.sent']);
    expect(posted.find((event) => event.type === 'email.sent')).toMatchObject({
      id: expect.any(String),
      createdAt: expect.any(String),
      data: { emailId: body.id, type: 'sent', provider: 'outbox', at: expect.any(String) },
    });
    for (const call of receiver.received) {
      expect(verifyAsReceiver(WEBHOOK_SECRET, call)).toEqual(JSON.parse(call.body));
      expect(call.headers['webhook-id']).toBe(JSON.parse(call.body).id);
      expect(() => verifyAsReceiver(WEBHOOK_SECRET, tampered(call))).toThrow(WebhookVerificationError);
      expect(() => verifyAsReceiver(ANOTHER_SECRET, call)).toThrow(WebhookVerificationError);
    }
  });

  it('still sends the deprecated Mailroute-Signature, keyed with WEBHOOK_SECRET as configured', async () => {
    const { body } = await app.send(message).expect(202);
    await pollUntil(async () => eventsFor(body.id), (events) => events.some((event) => event.type === 'email.sent'));
    for (const call of receiver.received) {
      expect(verifyMailrouteSignature(call.body, mailrouteSignatureOf(call), WEBHOOK_SECRET)).toBe(true);
      expect(verifyMailrouteSignature(tampered(call).body, mailrouteSignatureOf(call), WEBHOOK_SECRET)).toBe(false);
    }
  });

  it('retries a receiver that fails twice, until it answers, under the same webhook-id, and shows every attempt', async () => {
    receiver.failNext(2);
    const refusedBefore = receiver.refused.length;
    const { body } = await app.send({ ...message, sendAt: new Date(Date.now() + 60_000).toISOString() }).expect(202);
    const [scheduled] = await pollUntil(async () => eventsFor(body.id), (events) => events.length === 1);
    expect(scheduled.type).toBe('email.scheduled');
    expect(receiver.refused.length - refusedBefore).toBe(2);

    const deliveries = (await app.http.get('/v1/webhooks/deliveries').expect(200)).body;
    const delivery = deliveries.find((d: { id: string }) => d.id === scheduled.id);
    expect(delivery).toMatchObject({ type: 'email.scheduled', emailId: body.id, status: 'delivered' });
    expect(delivery.attempts.map((a: { status: number }) => a.status)).toEqual([503, 503, 204]);

    // Each attempt is signed anew, under the delivery's id: what receivers drop repeats by.
    const attempts = [...receiver.refused, ...receiver.received].filter((call) => JSON.parse(call.body).id === scheduled.id);
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) {
      expect(attempt.headers['webhook-id']).toBe(scheduled.id);
      expect(verifyAsReceiver(WEBHOOK_SECRET, attempt)).toEqual(scheduled);
    }
  });

  it('keeps relaying events after Redis was unreachable for longer than a read (the consumer does not die)', async () => {
    const consumerFailures = () =>
      loggedLines().filter((line) => String(line.msg).startsWith('event stream consumer webhooks')).length;
    const failuresBefore = consumerFailures();
    redis.server.freeze();
    try {
      await pollUntil(async () => consumerFailures(), (failures) => failures > failuresBefore, { timeoutMs: 20_000 });
    } finally {
      redis.server.thaw();
    }
    const { body } = await app.send(message).expect(202);
    const posted = await pollUntil(
      async () => eventsFor(body.id),
      (events) => events.some((event) => event.type === 'email.sent'),
      { timeoutMs: 20_000 },
    );
    expect(posted.map((event) => event.type).sort()).toEqual(['email.queued', 'email.sending', 'email.sent']);
  });
});

describe('webhooks with a plain WEBHOOK_SECRET, as configured before Standard Webhooks', () => {
  /** Beyond ASCII on purpose: the key is the secret's UTF-8 bytes, which is what the receiver's whsec_ form encodes. */
  const PLAIN_SECRET = 'a-plain-sécret-from-before-0123456789';
  const receiversForm = (plain: string) => `whsec_${Buffer.from(plain, 'utf8').toString('base64')}`;
  let redis: ThrowawayRedis;
  let receiver: WebhookReceiver;
  let app: TestApp;

  beforeAll(async () => {
    ({ redis, receiver, app } = await startWebhookWorld({ WEBHOOK_SECRET: PLAIN_SECRET }));
  });
  afterAll(() => stopWebhookWorld({ app, redis, receiver }));

  it('signs so that the library verifies with whsec_ + base64 of the secret, and still sends the deprecated header', async () => {
    const { body } = await app.send(message).expect(202);
    await pollUntil(
      async () => receiver.received.map((call) => JSON.parse(call.body)),
      (events) => events.some((event) => event.type === 'email.sent' && event.data.emailId === body.id),
    );
    for (const call of receiver.received) {
      expect(verifyAsReceiver(receiversForm(PLAIN_SECRET), call)).toEqual(JSON.parse(call.body));
      expect(() => verifyAsReceiver(receiversForm('another-plain-secret-0123'), call)).toThrow(WebhookVerificationError);
      expect(() => verifyAsReceiver(receiversForm(PLAIN_SECRET), tampered(call))).toThrow(WebhookVerificationError);
      expect(verifyMailrouteSignature(call.body, mailrouteSignatureOf(call), PLAIN_SECRET)).toBe(true);
    }
  });
});
