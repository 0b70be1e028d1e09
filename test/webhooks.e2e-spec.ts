import { MAILROUTE_SIGNATURE_HEADER, verifyMailrouteSignature } from '../src/webhooks/webhooks.module';
import { pollUntil } from './support/poll';
import { loggedLines } from './support/secret-watch';
import { ThrowawayRedis } from './support/redis';
import { TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';
import { WEBHOOK_SECRET, startWebhookWorld, stopWebhookWorld } from './support/webhook-world';

const message = { from: 'shop@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };

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

  it('posts every status change, each signed so that the receiver can verify it', async () => {
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
      const header = call.headers[MAILROUTE_SIGNATURE_HEADER.toLowerCase()] as string;
      expect(verifyMailrouteSignature(call.body, header, WEBHOOK_SECRET)).toBe(true);
      expect(verifyMailrouteSignature(call.body.replace('"type"', '"kind"'), header, WEBHOOK_SECRET)).toBe(false);
    }
  });

  it('retries a receiver that fails twice, until it answers, and shows every attempt', async () => {
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
