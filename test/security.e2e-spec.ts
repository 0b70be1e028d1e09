import { MAX_JSON_PROPERTIES } from '../src/http/json-shape.limit';
import { newApiKey } from './support/api-keys';
import { ThrowawayRedis } from './support/redis';
import { TestApp, useTestApp } from './support/test-app';

const sender = newApiKey('shop', 'send', ['@shop.example']);
const anySender = newApiKey('billing', 'send');
const admin = newApiKey('ops', 'admin');
const message = { from: 'orders@shop.example', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };

describe('API keys', () => {
  let redis: ThrowawayRedis;
  let app: TestApp;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    app = await TestApp.start({
      redisUrl: redis.url,
      env: {
        API_KEYS: [sender.entry, anySender.entry, admin.entry].join(','),
        MAIL_ALLOWED_FROM: 'billing@example.com,@billing.example',
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  const unauthorized = {
    statusCode: 401,
    error: 'Unauthorized',
    message: 'A valid API key is required: send it as "Authorization: Bearer <key>".',
  };

  it.each([
    ['no Authorization header', undefined],
    ['an unknown key', `Bearer mr_${'x'.repeat(43)}`],
    ['a key that differs in one character', `${admin.bearer.slice(0, -1)}${admin.bearer.endsWith('A') ? 'B' : 'A'}`],
    ['the key without "Bearer"', admin.bearer.slice('Bearer '.length)],
    ['the key\'s hash instead of the key', `Bearer ${admin.entry.split(':')[2]}`],
  ])('answers 401 with the same body for %s', async (_case, authorization) => {
    const post = app.http.post('/v1/emails');
    const response = await (authorization ? post.set('Authorization', authorization) : post).send(message).expect(401);
    expect(response.body).toEqual(unauthorized);
    await app.http.get('/v1/providers').set('Authorization', authorization ?? '').expect(401);
  });

  it('lets a send key send, and refuses it the admin endpoints with 403', async () => {
    await app.http.post('/v1/emails').set('Authorization', sender.bearer).send(message).expect(202);
    const forbidden = await app.http.get('/v1/providers').set('Authorization', sender.bearer).expect(403);
    expect(forbidden.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'This API key does not have the admin scope this endpoint needs.',
    });
    await app.http.post('/v1/providers/outbox/disable').set('Authorization', sender.bearer).expect(403);
  });

  it('lets an admin key do both', async () => {
    await app.http.get('/v1/providers').set('Authorization', admin.bearer).expect(200);
    await app.http
      .post('/v1/emails')
      .set('Authorization', admin.bearer)
      .send({ ...message, from: 'billing@example.com' })
      .expect(202);
  });

  it('refuses a sender outside the key\'s own list with 403 naming from', async () => {
    const response = await app.http
      .post('/v1/emails')
      .set('Authorization', sender.bearer)
      .send({ ...message, from: 'Boss <ceo@elsewhere.example>' })
      .expect(403);
    expect(response.body.message).toEqual(['from ceo@elsewhere.example is not an allowed sender for this API key']);
  });

  it('applies MAIL_ALLOWED_FROM to keys without a list of their own', async () => {
    const send = (from: string) => app.http.post('/v1/emails').set('Authorization', anySender.bearer).send({ ...message, from });
    await send('billing@example.com').expect(202);
    await send('invoices@billing.example').expect(202);
    await send('orders@shop.example').expect(403);
  });

  it('keeps health and docs open, and their bodies free of configuration', async () => {
    const ready = await app.http.get('/health/ready').expect(200);
    const live = await app.http.get('/health/live').expect(200);
    await app.http.get('/docs-json').expect(200);
    const bodies = JSON.stringify([ready.body, live.body]);
    for (const secret of [sender.key, admin.key, admin.entry.split(':')[2], redis.url]) {
      expect(bodies).not.toContain(secret);
    }
  });

  it('sends helmet\'s security headers on every answer', async () => {
    for (const response of [await app.http.get('/health/live'), await app.http.post('/v1/emails').send({})]) {
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.any(String),
      });
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });
});

describe('API_RATE_LIMIT and API_RATE_WINDOW_MS', () => {
  let redis: ThrowawayRedis;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    // A test about the limiter's settings: a small limit over a long window, so that the count cannot roll
    // over mid-test, and a Retry-After that shows the window's length.
    const env = { API_KEYS: [admin.entry, anySender.entry].join(','), API_RATE_LIMIT: '5', API_RATE_WINDOW_MS: '60000' };
    apps.push(await TestApp.start({ redisUrl: redis.url, env }), await TestApp.start({ redisUrl: redis.url, env }));
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis?.stop();
  });

  it('holds per key across two instances sharing Redis and over all routes together, with Retry-After until the window ends', async () => {
    const routes = ['/v1/providers', '/v1/suppressions', '/v1/webhooks/deliveries'];
    const statuses = [];
    for (let i = 0; i < 6; i += 1) {
      const response = await apps[i % 2].http.get(routes[i % routes.length]).set('Authorization', admin.bearer);
      statuses.push(response.status);
      if (response.status === 429) {
        // The default window is a second: a wait of more than that is the configured 60 s window's rest.
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(1);
        expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
        expect(response.body).toMatchObject({ statusCode: 429 });
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    await apps[0].http.post('/v1/emails').set('Authorization', anySender.bearer).send({}).expect(400);
    await apps[1].http.get('/health/live').expect(200);
  });
});

describe('input hardening', () => {
  const running = useTestApp();

  const valid = { from: 'app@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };
  const injected = 'x\r\nBcc: victim@example.com';

  it.each([
    ['subject', { subject: injected }, /^subject /],
    ['from name', { from: { email: 'app@example.com', name: injected } }, /^from name must not contain CR or LF/],
    ['from string', { from: `${injected} <app@example.com>` }, /^from must not contain CR or LF/],
    ['to name', { to: [{ email: 'ann@example.com', name: injected }] }, /^to\[0\] name must not contain/],
    ['cc name', { cc: { email: 'c@example.com', name: injected } }, /^cc name must not contain/],
    ['bcc string', { bcc: [`${injected} <b@example.com>`] }, /^bcc\[0\] must not contain/],
    ['replyTo name', { replyTo: { email: 'r@example.com', name: injected } }, /^replyTo name must not contain/],
    ['header value', { headers: { 'X-Tag': injected } }, /^headers\.X-Tag must not contain CR or LF/],
    ['header name', { headers: { [injected]: 'v' } }, /^headers has an invalid header name/],
  ])('refuses CR/LF in %s with 400 naming the field', async (_field, change, expected) => {
    const response = await running.app.send({ ...valid, ...change }).expect(400);
    expect(response.body.message).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('refuses deeply nested JSON before parsing it', async () => {
    const nested = `{"metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const response = await running.app.http.post('/v1/emails').set('content-type', 'application/json').send(nested).expect(400);
    expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'JSON nesting deeper than 10 levels' });
  });

  it('refuses a body with too many members', async () => {
    const response = await running.app.send({ ...valid, tags: Array(MAX_JSON_PROPERTIES + 10).fill(1) }).expect(400);
    expect(response.body.message).toBe(`JSON body with more than ${MAX_JSON_PROPERTIES} members`);
  });

  it('never shows a stack or a path in an error body', async () => {
    const answers = await Promise.all([
      running.app.http.post('/v1/emails').set('content-type', 'application/json').send('{"to":'),
      running.app.send({ ...valid, to: 12 }),
      running.app.http.get('/v1/emails/not-an-id'),
      running.app.http.get('/nowhere'),
    ]);
    for (const { body } of answers) {
      expect(Object.keys(body).sort()).toEqual(['error', 'message', 'statusCode']);
      expect(JSON.stringify(body)).not.toMatch(/\/work\/|node_modules|\bat .*\.(js|ts):\d+/);
    }
  });
});
