import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import { FakeWorld } from './support/fake-world';
import { pollUntil } from './support/poll';
import { ServiceProcess } from './support/service-process';
import { TestApp } from './support/test-app';

const message = { from: 'shop@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };
const THRESHOLD = 2;

let world: FakeWorld;
let sendgrid: FakeWorld['sendgrid'];
let mailgun: FakeWorld['mailgun'];

beforeAll(async () => {
  world = await FakeWorld.start();
  ({ sendgrid, mailgun } = world);
});
afterAll(() => world?.stop());

const startApp = (env: Record<string, string> = {}) => TestApp.start({ redisUrl: world.redis.url, env: { ...world.env, ...env } });

describe('routing with shared circuit breakers and provider switches', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    // Long enough that the breaker cannot half-open while the first test's six deliveries run on a busy
    // machine; the second test waits it out.
    const env = { MAIL_BREAKER_THRESHOLD: String(THRESHOLD), MAIL_BREAKER_COOLDOWN_MS: '3000' };
    [first, second] = await Promise.all([startApp(env), startApp(env)]);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await world.reset();
  });

  async function deliver(app: TestApp) {
    const { body } = await app.send(message).expect(202);
    return app.waitForStatus(body.id, ['sent', 'failed']);
  }
  const breakerOf = async (app: TestApp, name: string) =>
    (await app.http.get('/v1/providers').expect(200)).body.find((p: { name: string }) => p.name === name);

  it('stops calling a provider that is down once its breaker opens, on every worker', async () => {
    sendgrid.answerAlways({ status: 500 });
    const delivered = [];
    for (let i = 0; i < 6; i += 1) delivered.push(await deliver(i % 2 ? first : second));

    expect(delivered.map((email) => email.provider)).toEqual(Array(6).fill('mailgun'));
    expect(sendgrid.received).toHaveLength(THRESHOLD);
    expect(delivered.slice(THRESHOLD).map((email) => email.attempts.map((a: { provider: string }) => a.provider))).toEqual(
      Array(6 - THRESHOLD).fill(['mailgun']),
    );
    expect(await breakerOf(second, 'sendgrid')).toMatchObject({ breaker: 'open', enabled: true, priority: 1 });
  });

  it('gives the provider its traffic back after a successful half-open trial', async () => {
    sendgrid.answerAlways('accept');
    const callsBefore = sendgrid.received.length;
    const sentBySendgrid = await pollUntil(
      () => deliver(first),
      (email) => email.provider === 'sendgrid',
      { timeoutMs: 20_000 },
    );
    expect(sentBySendgrid.status).toBe('sent');
    expect(sendgrid.received).toHaveLength(callsBefore + 1);
    expect(await breakerOf(second, 'sendgrid')).toMatchObject({ breaker: 'closed' });
    expect((await deliver(second)).provider).toBe('sendgrid');
  });

  it('takes a provider out of rotation from the API, for every worker, and back', async () => {
    const disabled = await first.http.post('/v1/providers/sendgrid/disable').expect(200);
    expect(disabled.body).toMatchObject({ name: 'sendgrid', enabled: false });
    sendgrid.reset();

    for (const app of [first, second, first, second]) expect((await deliver(app)).provider).toBe('mailgun');
    expect(sendgrid.received).toHaveLength(0);
    expect(await breakerOf(second, 'sendgrid')).toMatchObject({ enabled: false });

    await second.http.post('/v1/providers/sendgrid/enable').expect(200);
    expect((await deliver(first)).provider).toBe('sendgrid');
  });

  it('lists providers with their priority and recent results, and 404s an unknown name', async () => {
    const { body } = await first.http.get('/v1/providers').expect(200);
    expect(body.map((p: { name: string; priority: number }) => [p.name, p.priority])).toEqual([
      ['sendgrid', 1],
      ['mailgun', 2],
    ]);
    expect(body[1].recent).toEqual({
      calls: expect.any(Number),
      successRate: expect.any(Number),
      meanLatencyMs: expect.any(Number),
    });
    await first.http.post('/v1/providers/postmark/disable').expect(404);
  });
});

describe("each provider's activity over the last hour", () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
    await world.reset();
  });

  type Minute = { at: string; sent: number; failed: number };
  const totals = (minutes: Minute[]) => ({
    sent: minutes.reduce((sum, { sent }) => sum + sent, 0),
    failed: minutes.reduce((sum, { failed }) => sum + failed, 0),
  });

  it("counts each call a minute, a failure the way the success rate counts it, every provider in priority order", async () => {
    // Two failures of SendGrid's own, then a message it refuses, which it handled all the same, then an accept.
    sendgrid.answerNext({ status: 500 }, { status: 500 }, { status: 400 });
    const outcomes = [];
    for (let i = 0; i < 4; i += 1) {
      const { body } = await app.send({ ...message, subject: `m${i}` }).expect(202);
      outcomes.push(await app.waitForStatus(body.id, ['sent', 'failed']));
    }
    expect(outcomes.map(({ status, provider }) => [status, provider])).toEqual([
      ['sent', 'mailgun'],
      ['sent', 'mailgun'],
      ['failed', undefined],
      ['sent', 'sendgrid'],
    ]);

    const { body } = await app.http.get('/v1/providers/activity').expect(200);
    expect(body.map(({ name, minutes }: { name: string; minutes: Minute[] }) => [name, minutes.length, totals(minutes)])).toEqual([
      ['sendgrid', 60, { sent: 2, failed: 2 }],
      ['mailgun', 60, { sent: 2, failed: 0 }],
    ]);
    const starts = body[0].minutes.map(({ at }: Minute) => Date.parse(at));
    expect(starts.every((at: number, n: number) => at % 60_000 === 0 && (n === 0 || at - starts[n - 1] === 60_000))).toBe(true);
    const { body: statuses } = await app.http.get('/v1/providers').expect(200);
    expect(statuses[0].recent).toMatchObject({ calls: 4, successRate: 0.5 });
  });
});

describe('a provider answering 429 with Retry-After', () => {
  const apps: TestApp[] = [];

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await world.reset();
  });

  const start = async (providers: string, env: Record<string, string> = {}) => {
    const app = await startApp({ MAIL_PROVIDERS: providers, ...env });
    apps.push(app);
    return app;
  };

  it('is paused for that long while messages go to the next provider', async () => {
    const app = await start('sendgrid,mailgun');
    sendgrid.answerNext({ status: 429, headers: { 'Retry-After': '30' } });
    const delivered = [];
    for (let i = 0; i < 3; i += 1) {
      const { body } = await app.send({ ...message, subject: `m${i}` }).expect(202);
      delivered.push(await app.waitForStatus(body.id, ['sent', 'failed']));
    }

    expect(delivered.map((email) => [email.status, email.provider])).toEqual(Array(3).fill(['sent', 'mailgun']));
    expect(sendgrid.received).toHaveLength(1);
    const { body } = await app.http.get('/v1/providers').expect(200);
    expect(body[0]).toMatchObject({ name: 'sendgrid', pausedForMs: expect.any(Number) });
    expect(body[0].pausedForMs).toBeGreaterThan(20_000);
  });

  it('makes messages wait rather than fail when no other provider is left', async () => {
    const app = await start('sendgrid', { MAIL_MAX_ATTEMPTS: '2' });
    sendgrid.answerNext({ status: 429, headers: { 'Retry-After': '1' } });
    const { body } = await app.send(message).expect(202);

    const sent = await app.waitForStatus(body.id, ['sent', 'failed']);
    expect(sent.status).toBe('sent');
    expect(sent.attempts.map((a: { round: number; outcome: string }) => [a.round, a.outcome])).toEqual([
      [1, 'failed'],
      [2, 'sent'],
    ]);
    expect(sendgrid.received).toHaveLength(2);
  });
});

describe('per-provider rate limits and strategies', () => {
  let app: TestApp;

  afterEach(async () => {
    await app?.close();
    await world.reset();
  });

  const start = async (env: Record<string, string>) => {
    app = await startApp(env);
  };
  /**
   * Sends `count` messages in one batch and waits until each is sent or failed, reading them all in one
   * listing per poll: a client of its own per message would go over the API's rate limit.
   */
  const sendAll = async (count: number) => {
    const batch = Array.from({ length: count }, (_, i) => ({ ...message, subject: `m${i}` }));
    const ids: string[] = (await app.http.post('/v1/emails/batch').send(batch).expect(202)).body.map(({ id }: { id: string }) => id);
    const finished = (res: request.Response) => ids.map((id) => res.body.data?.find((email: { id: string }) => email.id === id));
    const listed = await pollUntil(
      () => app.http.get('/v1/emails').query({ limit: 100 }),
      (res) => res.status === 200 && finished(res).every((email) => ['sent', 'failed'].includes(email?.status)),
    );
    return finished(listed);
  };

  it('keeps a provider under its rate limit by sending the overflow to the next one, failing nothing', async () => {
    await start({ SENDGRID_RATE_LIMIT: '2', MAIL_CONCURRENCY: '10' });
    const delivered = await sendAll(12);

    expect(delivered.every((email) => email.status === 'sent')).toBe(true);
    const bySendgrid = delivered.filter((email) => email.provider === 'sendgrid');
    const starts = bySendgrid.map((email) => Date.parse(email.attempts.at(-1).startedAt));
    const seconds = Math.ceil((Math.max(...starts) - Math.min(...starts)) / 1000) + 1;
    expect(bySendgrid.length).toBeGreaterThanOrEqual(1);
    expect(bySendgrid.length).toBeLessThanOrEqual(2 * seconds);
    expect(mailgun.received.length).toBe(12 - bySendgrid.length);
    const { body } = await app.http.get('/v1/providers').expect(200);
    expect(body[0]).toMatchObject({ name: 'sendgrid', rateLimit: 2 });
  });

  it('score: a failing primary loses its score and stops being tried first', async () => {
    await start({ MAIL_ROUTING: 'score', MAIL_BREAKER_THRESHOLD: '100' });
    sendgrid.answerAlways({ status: 503 });
    const first = await sendAll(1);
    expect(first[0].attempts.map((a: { provider: string }) => a.provider)).toEqual(['sendgrid', 'mailgun']);

    const later = await sendAll(3);
    expect(later.map((email) => email.attempts.map((a: { provider: string }) => a.provider))).toEqual(
      Array(3).fill(['mailgun']),
    );
    const { body } = await app.http.get('/v1/providers').expect(200);
    expect(body[0].score).toBeLessThan(body[1].score);
  });

  it('weighted: spreads first tries by MAIL_WEIGHTS', async () => {
    await start({ MAIL_ROUTING: 'weighted', MAIL_WEIGHTS: 'sendgrid:1,mailgun:1' });
    const delivered = await sendAll(40);
    const bySendgrid = delivered.filter((email) => email.provider === 'sendgrid').length;
    expect(bySendgrid).toBeGreaterThan(5);
    expect(bySendgrid).toBeLessThan(35);
  });
});

describe('provider switches reach a worker in another OS process', () => {
  let outboxDir: string;

  beforeAll(() => {
    outboxDir = mkdtempSync(join(tmpdir(), 'mailroute-process-'));
  });
  afterAll(() => rmSync(outboxDir, { recursive: true, force: true }));

  it('a provider disabled through one process is skipped by the other, and comes back when enabled', async () => {
    const env = { ...world.env, REDIS_URL: world.redis.url, MAIL_OUTBOX_DIR: outboxDir };
    const inTest = await startApp();
    await inTest.http.post('/v1/providers/sendgrid/disable').expect(200);
    await inTest.close();

    const other = await ServiceProcess.start(env);
    try {
      const http = request(other.url);
      const deliver = async () => {
        const { body } = await http.post('/v1/emails').send(message).expect(202);
        const done = await pollUntil(
          () => http.get(`/v1/emails/${body.id}`),
          (res) => ['sent', 'failed'].includes(res.body.status),
        );
        return done.body;
      };
      expect((await deliver()).provider).toBe('mailgun');
      expect(sendgrid.received).toHaveLength(0);

      await http.post('/v1/providers/sendgrid/enable').expect(200);
      expect((await deliver()).provider).toBe('sendgrid');
    } finally {
      await other.stop();
    }
  }, 90_000);
});

describe('a provider call whose outcome cannot be recorded', () => {
  let app: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    await world.reset();
    app = await startApp();
    redis = new Redis(world.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await app?.close();
  });

  it('still is the send the provider accepted, not a failure to fail over from', async () => {
    // A key of the wrong type makes the statistics write fail after SendGrid has accepted the message.
    await redis.set('mailroute:providers:stats:sendgrid', 'not a list');
    const { body } = await app.send(message).expect(202);
    const email = await app.waitForStatus(body.id, ['sent', 'failed']);

    expect(email).toMatchObject({ status: 'sent', provider: 'sendgrid' });
    expect(email.attempts.map((attempt: { provider: string }) => attempt.provider)).toEqual(['sendgrid']);
    expect(mailgun.received).toHaveLength(0);
  });
});
