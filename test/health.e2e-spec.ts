import { ThrowawayRedis } from './support/redis';
import { TestApp } from './support/test-app';

describe('health probes', () => {
  let redis: ThrowawayRedis;
  let app: TestApp;

  afterEach(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('are both 200 when Redis answers and a provider can send, listing each provider', async () => {
    redis = await ThrowawayRedis.start();
    app = await TestApp.start({ redisUrl: redis.url });

    const ready = await app.http.get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      details: { redis: { status: 'up' }, providers: { status: 'up', outbox: { status: 'up' } } },
    });
    const live = await app.http.get('/health/live').expect(200);
    expect(live.body).toMatchObject({ status: 'ok', details: { providers: { outbox: { status: 'up' } } } });
  });

  it('report not ready (503) when no provider can send, while live stays 200', async () => {
    redis = await ThrowawayRedis.start();
    app = await TestApp.start({ redisUrl: redis.url, env: { MAIL_OUTBOX_DIR: '/dev/null/outbox' } });

    const ready = await app.http.get('/health/ready').expect(503);
    expect(ready.body.status).toBe('error');
    expect(ready.body.error.providers.outbox).toEqual({
      status: 'down',
      error: expect.stringMatching(/^outbox directory is not writable/),
      enabled: true,
      breaker: 'closed',
    });
    expect(ready.body.details.redis.status).toBe('up');
    const live = await app.http.get('/health/live').expect(200);
    expect(live.body.details.providers.outbox.status).toBe('down');
  });

  it('keep an api process (MAIL_ROLE=api) ready through a provider outage: it can still accept', async () => {
    redis = await ThrowawayRedis.start();
    app = await TestApp.start({ redisUrl: redis.url, env: { MAIL_ROLE: 'api', MAIL_OUTBOX_DIR: '/dev/null/outbox' } });

    const ready = await app.http.get('/health/ready').expect(200);
    expect(Object.keys(ready.body.details)).toEqual(['process', 'redis', 'history']);
    expect(ready.body.details.history).toEqual({ status: 'up', database: 'up', waiting: 0, lagSeconds: 0 });
    await app.send({ from: 'a@example.com', to: 'b@example.com', subject: 'queued', text: 'x' }).expect(202);
  });
});

describe('when Redis goes away', () => {
  let redis: ThrowawayRedis;
  let app: TestApp;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    app = await TestApp.start({ redisUrl: redis.url });
    await app.http.get('/health/ready').expect(200);
    await redis.server.kill();
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('refuses new messages with 503 instead of accepting what it cannot store', async () => {
    const response = await app
      .send({ from: 'app@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' })
      .expect(503);
    expect(response.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The message could not be stored, so it was not accepted; try again.',
    });
  });

  it('refuses a batch with 503 too, never a 400 that would tell the client not to retry', async () => {
    const message = { from: 'app@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };
    const response = await app.http.post('/v1/emails/batch').send([message, message]).expect(503);
    expect(response.body.message).toBe('The message could not be stored, so it was not accepted; try again.');
  });

  it('is not ready, but stays live', async () => {
    const ready = await app.http.get('/health/ready').expect(503);
    expect(ready.body.error.redis.status).toBe('down');
    await app.http.get('/health/live').expect(200);
  });
});
