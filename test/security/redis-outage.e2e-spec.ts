import type { Response } from 'supertest';
import { ProviderEventSigner } from '../support/provider-event-signer';
import { ThrowawayRedis } from '../support/redis';
import { TestApp } from '../support/test-app';

const signer = new ProviderEventSigner();
/** Enables the Mailgun webhook; nothing else is configured: the outage tests run the defaults. */
const WITH_MAILGUN_WEBHOOK = { MAILGUN_WEBHOOK_SIGNING_KEY: signer.mailgunSigningKey };
/**
 * How long a route that needs Redis may take to say that Redis is unreachable: a command against a hung
 * Redis fails after the 2 s command timeout, plus up to 2 s waiting behind the batch sent before it.
 */
const ANSWER_WITHIN_MS = 6_000;
/** One client sending one request after another passes the default 50 a second well before this many. */
const MAX_REQUESTS_TO_429 = 1_000;

const message = { from: 'app@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };

/** One Mailgun webhook call, signed with a fresh token, the way Mailgun sends it. */
function mailgunCall(eventData: object = { event: 'opened', recipient: 'ann@example.com' }) {
  return { signature: signer.mailgunSignature(), 'event-data': eventData };
}

const delivered = (id: string) => ({ event: 'delivered', recipient: 'ann@example.com', 'user-variables': { 'mailroute-id': id } });

type Method = 'get' | 'post' | 'delete';

/** Every route that needs Redis, with a body it would accept, and how its 503 must read. */
const redisRoutes = (id: string): [Method, string, object | undefined, RegExp][] => [
  ['post', '/v1/emails', message, /^The message could not be stored, so it was not accepted/],
  ['post', '/v1/emails/batch', [message, message], /^The message could not be stored, so it was not accepted/],
  ['get', `/v1/emails/${id}`, undefined, /^The message cannot be read while its store \(Redis\) is unreachable/],
  ['get', `/v1/emails/${id}/events`, undefined, /^The message's events cannot be read while/],
  ['get', `/v1/emails/${id}/content`, undefined, /^The message's bodies cannot be read while its store \(Redis\) is unreachable/],
  ['post', `/v1/emails/${id}/cancel`, undefined, /^The message was not cancelled: its store \(Redis\) is unreachable/],
  ['post', `/v1/emails/${id}/resend`, undefined, /^The message could not be stored, so it was not accepted/],
  ['get', '/v1/providers', undefined, /^The providers' states cannot be read while Redis is unreachable/],
  ['get', '/v1/providers/activity', undefined, /^The providers' activity cannot be read while Redis is unreachable/],
  ['post', '/v1/providers/outbox/disable', undefined, /^The provider was not disabled: Redis/],
  ['get', '/v1/suppressions', undefined, /^The suppression list cannot be read while Redis is unreachable/],
  ['delete', '/v1/suppressions/ann@example.com', undefined, /^The address was not removed: the suppression list \(Redis\)/],
  ['get', '/v1/webhooks/deliveries', undefined, /^Webhook deliveries cannot be read while Redis is unreachable/],
  ['get', '/v1/queue', undefined, /^The queues cannot be counted while Redis is unreachable/],
  ['get', '/admin/queues/api/queues', undefined, /^The queues cannot be shown while Redis is unreachable/],
  ['post', '/v1/inbound/mailgun', mailgunCall(delivered(id)), /^The event was not recorded: Redis is unreachable/],
];

/** Status, error body and Retry-After of one call, or that no answer came within ANSWER_WITHIN_MS. */
async function answer(app: TestApp, method: Method, path: string, body?: object) {
  const call = app.http[method](path).timeout(ANSWER_WITHIN_MS);
  const response: Response | Error = await (body ? call.send(body) : call).catch((error: Error) => error);
  if (response instanceof Error) return `no answer within ${ANSWER_WITHIN_MS} ms (${response.message})`;
  return { status: response.status, body: response.body, retryAfter: response.headers['retry-after'] };
}

/** Asks every Redis route at once (each may take the command timeout) and expects each to say 503 its way. */
async function expectEveryRedisRouteUnavailable(app: TestApp, id: string): Promise<void> {
  const routes = redisRoutes(id);
  const answers = await Promise.all(routes.map(([method, path, body]) => answer(app, method, path, body)));
  const byRoute = Object.fromEntries(routes.map(([method, path], index) => [`${method} ${path}`, answers[index]]));
  const expected = Object.fromEntries(
    routes.map(([method, path, , wording]) => [
      `${method} ${path}`,
      {
        status: 503,
        body: { statusCode: 503, error: 'Service Unavailable', message: expect.stringMatching(wording) },
        retryAfter: expect.stringMatching(/^[1-9]\d*$/),
      },
    ]),
  );
  expect(byRoute).toEqual(expected);
}

/**
 * The listing reads the history in PostgreSQL, so Redis being down leaves it answering (200), unless the
 * rate limiter, which counts in Redis, refuses the request first (503).
 */
async function expectListing(app: TestApp, status: 200 | 503): Promise<void> {
  const listing = await app.http.get('/v1/emails').timeout(ANSWER_WITHIN_MS).expect(status);
  if (status === 200) expect(listing.body).toEqual({ data: expect.any(Array), nextCursor: null });
}

interface Outage {
  /** On top of the defaults. */
  env?: Record<string, string>;
  /** What the listing answers while Redis is away. */
  listing: 200 | 503;
}

/**
 * The two outages, each with a fresh Redis and app and a scheduled message to act on: Redis stopped, and
 * Redis hung (its process stopped), while /health/live stays 200.
 */
function itAnswers503WhileRedisIsDownOrHung({ env = {}, listing }: Outage): void {
  let redis: ThrowawayRedis;
  let app: TestApp;
  let id: string;

  beforeEach(async () => {
    redis = await ThrowawayRedis.start();
    app = await TestApp.start({ redisUrl: redis.url, env: { ...WITH_MAILGUN_WEBHOOK, ...env } });
    const scheduled = { ...message, sendAt: new Date(Date.now() + 3_600_000).toISOString() };
    ({ id } = (await app.send(scheduled).expect(202)).body);
  });
  afterEach(async () => {
    redis?.server.thaw();
    await app?.close();
    await redis?.stop();
  });

  it('answers every route that needs Redis with 503, the error shape, its own words and Retry-After when Redis has stopped', async () => {
    await redis.server.kill();

    await expectEveryRedisRouteUnavailable(app, id);
    await expectListing(app, listing);
    await app.http.get('/health/live').timeout(ANSWER_WITHIN_MS).expect(200);
  });

  it('does the same within the bound when Redis hangs (its process stopped), and stays live', async () => {
    redis.server.freeze();

    await expectEveryRedisRouteUnavailable(app, id);
    await expectListing(app, listing);
    await app.http.get('/health/live').timeout(ANSWER_WITHIN_MS).expect(200);
  });
}

describe('finding 5: Redis down or hung answers 503, never 500 or silence, on the default configuration', () => {
  itAnswers503WhileRedisIsDownOrHung({ listing: 503 });
});

// A test about API_RATE_LIMIT=0: the limiter's Redis call comes first on every route, so only with the
// limiter off are the routes' own Redis calls reached (the review found 500s there).
describe('API_RATE_LIMIT=0 turns the client rate limiter off: with Redis down or hung each route\'s own Redis calls answer 503, and the listing answers from PostgreSQL', () => {
  itAnswers503WhileRedisIsDownOrHung({ env: { API_RATE_LIMIT: '0' }, listing: 200 });
});

/**
 * GET /v1/webhooks/deliveries one after the other, faster than the default limit lets one client, until
 * one is refused; every answer before it is a 200.
 */
async function firstRefusal(app: TestApp): Promise<Response> {
  for (let sent = 0; sent < MAX_REQUESTS_TO_429; sent += 1) {
    const response = await app.http.get('/v1/webhooks/deliveries');
    if (response.status === 429) return response;
    expect(response.status).toBe(200);
  }
  throw new Error(`no 429 in ${MAX_REQUESTS_TO_429} requests`);
}

describe('finding 5: the 429 takes the one error shape', () => {
  let redis: ThrowawayRedis;
  let app: TestApp;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    app = await TestApp.start({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('says {statusCode, error, message} with Retry-After and the window, and names no exception class', async () => {
    const refused = await firstRefusal(app);

    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Too many requests; retry after the number of seconds in Retry-After.',
    });
    expect(JSON.stringify(refused.body)).not.toMatch(/Exception/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['x-ratelimit-limit']).toBe('50');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(refused.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(0);
  });
});

describe('finding 13: the inbound provider webhooks have a limit of their own', () => {
  let redis: ThrowawayRedis;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
  });
  beforeEach(() => redis.flush());
  afterAll(async () => {
    await redis?.stop();
  });

  const withApp = async (env: Record<string, string>, run: (app: TestApp) => Promise<void>) => {
    const app = await TestApp.start({ redisUrl: redis.url, env: { ...WITH_MAILGUN_WEBHOOK, ...env } });
    try {
      await run(app);
    } finally {
      await app.close();
    }
  };

  it('takes a burst of 70 signed Mailgun calls unthrottled, while the client limit still holds', async () => {
    await withApp({}, async (app) => {
      const calls = await Promise.all(Array.from({ length: 70 }, () => app.http.post('/v1/inbound/mailgun').send(mailgunCall())));
      expect(calls.map((call) => call.status)).toEqual(Array(70).fill(200));

      // None of the burst was counted as the client's: its first request finds its whole window left.
      const first = await app.http.get('/v1/webhooks/deliveries').expect(200);
      expect(first.headers['x-ratelimit-limit']).toBe('50');
      expect(first.headers['x-ratelimit-remaining']).toBe('49');
      expect((await firstRefusal(app)).body).toMatchObject({ statusCode: 429 });
    });
  });

  it('refuses calls over INBOUND_RATE_LIMIT per provider with 429 and Retry-After, apart from the client limit', async () => {
    await withApp({ INBOUND_RATE_LIMIT: '3' }, async (app) => {
      // At once, so that all five fall in one window of the default API_RATE_WINDOW_MS, which both counts use.
      const calls = await Promise.all(Array.from({ length: 5 }, () => app.http.post('/v1/inbound/mailgun').send(mailgunCall())));
      expect(calls.map((call) => call.status).sort()).toEqual([200, 200, 200, 429, 429]);

      const refused = calls.find((call) => call.status === 429)!;
      expect(refused.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // The webhook's count is not the client's: the API still answers the client.
      await app.http.get('/v1/providers').expect(200);
    });
  });
});
