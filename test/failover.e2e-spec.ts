import { readdirSync } from 'node:fs';
import { ThrowawayRedis } from './support/redis';
import { ScriptedProvider } from './support/scripted.provider';
import { TestApp } from './support/test-app';

const message = { from: 'app@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };

describe('delivery through providers in priority order', () => {
  let redis: ThrowawayRedis;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const start = async (primary: ScriptedProvider, env: Record<string, string> = {}) => {
    const app = await TestApp.start({ redisUrl: redis.url, extraProviders: [primary], env });
    apps.push(app);
    return app;
  };
  const outboxFiles = (app: TestApp) => readdirSync(app.outboxDir).filter((name) => name.endsWith('.eml'));

  it('moves on to the next provider after a transient failure and records both attempts', async () => {
    const primary = new ScriptedProvider('primary', ['transient']);
    const app = await start(primary);
    const { body } = await app.send(message).expect(202);

    const sent = await app.waitForStatus(body.id, ['sent', 'failed']);
    expect(sent.status).toBe('sent');
    expect(sent.provider).toBe('outbox');
    expect(sent.attempts.map((a: { provider: string; outcome: string; round: number }) => [a.provider, a.outcome, a.round])).toEqual([
      ['primary', 'failed', 1],
      ['outbox', 'sent', 1],
    ]);
    expect(sent.attempts[0].error).toEqual({ type: 'transient', message: 'primary is unavailable (503)' });
    expect(outboxFiles(app)).toHaveLength(1);
    const events = (await app.http.get(`/v1/emails/${body.id}/events`).expect(200)).body;
    expect(events.map((event: { type: string; provider?: string }) => [event.type, event.provider])).toEqual([
      ['queued', undefined],
      ['sending', undefined],
      ['attempt_failed', 'primary'],
      ['sent', 'outbox'],
    ]);
  });

  it('fails the message at once on a permanent error, without trying the next provider', async () => {
    const primary = new ScriptedProvider('primary', ['permanent']);
    const app = await start(primary);
    const { body } = await app.send(message).expect(202);

    const failed = await app.waitForStatus(body.id, ['sent', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ type: 'permanent', message: 'primary rejected the message (400)' });
    expect(failed.attempts).toHaveLength(1);
    expect(outboxFiles(app)).toHaveLength(0);
  });

  it('retries the whole round with backoff when every provider fails, and sends when one recovers', async () => {
    const primary = new ScriptedProvider('primary', ['transient', 'transient', 'accept']);
    const app = await start(primary, { MAIL_PROVIDERS: 'outbox', MAIL_OUTBOX_DIR: '/dev/null/outbox' });
    const { body } = await app.send(message).expect(202);

    const sent = await app.waitForStatus(body.id, ['sent', 'failed']);
    expect(sent.status).toBe('sent');
    expect(sent.provider).toBe('primary');
    expect(sent.attempts.map((a: { provider: string; round: number }) => `${a.round}:${a.provider}`)).toEqual([
      '1:primary', '1:outbox', '2:primary', '2:outbox', '3:primary',
    ]);
    expect(primary.received.map((email) => email.id)).toEqual([body.id]);
  });

  it('reports the message failed with the last error after MAIL_MAX_ATTEMPTS rounds', async () => {
    const primary = new ScriptedProvider('primary', ['transient']);
    const app = await start(primary, { MAIL_MAX_ATTEMPTS: '3', MAIL_OUTBOX_DIR: '/dev/null/outbox' });
    const { body } = await app.send(message).expect(202);

    const failed = await app.waitForStatus(body.id, ['sent', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toHaveLength(6);
    expect(new Set(failed.attempts.map((a: { round: number }) => a.round))).toEqual(new Set([1, 2, 3]));
    expect(failed.error.type).toBe('transient');
    expect(failed.error.message).toMatch(/^outbox could not write/);
  });
});
