import { randomUUID } from 'node:crypto';
import { FakeWorld } from './support/fake-world';
import { pollUntil } from './support/poll';
import { loggedLines } from './support/secret-watch';
import { TestApp } from './support/test-app';

const message = (subject = 'Operations check') => ({
  from: 'ops@example.com',
  to: 'someone@example.net',
  subject,
  text: 'body text that must never reach a log line',
});

/** The value of one series in a Prometheus text exposition (labels in the order mailroute writes them). */
function series(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(',');
  const prefix = wanted ? `${name}{` : `${name} `;
  const line = exposition
    .split('\n')
    .find((candidate) => candidate.startsWith(prefix) && (!wanted || labelsOf(candidate) === sorted(wanted)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const labelsOf = (line: string) => sorted(line.slice(line.indexOf('{') + 1, line.indexOf('}')));
const sorted = (labels: string) => labels.split(',').sort().join(',');

describe('operations', () => {
  let world: FakeWorld;

  beforeAll(async () => {
    world = await FakeWorld.start();
  });

  afterAll(async () => {
    await world.stop();
  });

  describe('GET /metrics', () => {
    let app: TestApp;

    beforeAll(async () => {
      await world.reset();
      app = await TestApp.start({ redisUrl: world.redis.url, env: { ...world.env, MAIL_MAX_ATTEMPTS: '1' } });
    });

    afterAll(async () => {
      await app.close();
    });

    it('counts messages, attempts, send latency and HTTP requests, and reads queue and provider state', async () => {
      world.sendgrid.answerNext({ status: 500 });
      const failedOver = (await app.send(message()).expect(202)).body.id;
      await app.waitForStatus(failedOver, ['sent']);
      world.sendgrid.answerNext({ status: 400 });
      const rejected = (await app.send(message()).expect(202)).body.id;
      await app.waitForStatus(rejected, ['failed']);
      const later = new Date(Date.now() + 3_600_000).toISOString();
      await app.send({ ...message(), sendAt: later }).expect(202);
      await app.http.get(`/v1/emails/${failedOver}`).expect(200);
      await app.http.post('/v1/providers/mailgun/disable').expect(200);

      const response = await app.http.get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
      const text = response.text;
      expect(series(text, 'mailroute_messages_accepted_total')).toBe(3);
      expect(series(text, 'mailroute_send_attempts_total', { provider: 'sendgrid', outcome: 'transient' })).toBe(1);
      expect(series(text, 'mailroute_send_attempts_total', { provider: 'sendgrid', outcome: 'permanent' })).toBe(1);
      expect(series(text, 'mailroute_send_attempts_total', { provider: 'mailgun', outcome: 'sent' })).toBe(1);
      expect(series(text, 'mailroute_messages_sent_total', { provider: 'mailgun' })).toBe(1);
      expect(
        series(text, 'mailroute_messages_failed_total', { provider: 'sendgrid', reason: 'rejected', error_type: 'permanent' }),
      ).toBe(1);
      expect(series(text, 'mailroute_send_duration_seconds_count', { provider: 'mailgun', outcome: 'sent' })).toBe(1);
      expect(series(text, 'mailroute_queue_jobs', { queue: 'mail', state: 'delayed' })).toBe(1);
      expect(series(text, 'mailroute_queue_jobs', { queue: 'webhooks', state: 'waiting' })).toBe(0);
      expect(series(text, 'mailroute_provider_enabled', { provider: 'mailgun' })).toBe(0);
      expect(series(text, 'mailroute_provider_enabled', { provider: 'sendgrid' })).toBe(1);
      expect(series(text, 'mailroute_provider_breaker_state', { provider: 'sendgrid', state: 'closed' })).toBe(1);
      expect(series(text, 'mailroute_provider_score', { provider: 'sendgrid' })).toBeLessThan(1);
      // Requests are grouped by route template, so message ids never become label values.
      const byTemplate = { method: 'GET', route: '/v1/emails/:id', status: '200' };
      expect(series(text, 'mailroute_http_request_duration_seconds_count', byTemplate)).toBeGreaterThanOrEqual(3);
      expect(text).not.toContain(failedOver);
      expect(series(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    });
  });

  describe('logs', () => {
    let app: TestApp;

    beforeAll(async () => {
      await world.reset();
      app = await TestApp.start({ redisUrl: world.redis.url, env: world.env });
    });

    afterAll(async () => {
      await app.close();
    });

    it('echo the caller X-Request-Id, or a new one, and refuse ids unsafe for a log line', async () => {
      const given = await app.send(message()).set('X-Request-Id', 'checkout-42.a:b').expect(202);
      expect(given.headers['x-request-id']).toBe('checkout-42.a:b');
      const generated = await app.send(message()).expect(202);
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const unsafe = await app.send(message()).set('X-Request-Id', 'evil" injected=1').expect(202);
      expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      // The next test scripts the provider's next answer: these must have had theirs.
      for (const { body } of [given, generated, unsafe]) await app.waitForStatus(body.id, ['sent']);
    });

    it('write one JSON line per request with the request and message ids, and one per send attempt', async () => {
      const subject = 'Subject that must stay out of the logs';
      world.sendgrid.answerNext({ status: 503 });
      const response = await app.send(message(subject)).set('X-Request-Id', 'req-logs-1').expect(202);
      const id = response.body.id;
      await app.waitForStatus(id, ['sent']);

      const lines = await pollUntil(
        async () => loggedLines(),
        (all) => all.filter((line) => line.emailId === id && line.msg === 'send attempt').length === 2,
      );
      const requestLine = lines.find((line) => (line.req as { id?: string } | undefined)?.id === 'req-logs-1');
      expect(requestLine).toMatchObject({
        level: 30,
        emailId: id,
        req: { id: 'req-logs-1', method: 'POST', url: '/v1/emails' },
        res: { statusCode: 202 },
        responseTime: expect.any(Number),
      });
      const attempts = lines.filter((line) => line.emailId === id && line.msg === 'send attempt');
      expect(attempts).toEqual([
        expect.objectContaining({ level: 40, provider: 'sendgrid', outcome: 'failed', round: 1, error: expect.objectContaining({ type: 'transient' }) }),
        expect.objectContaining({ level: 30, provider: 'mailgun', outcome: 'sent', round: 1, providerMessageId: expect.any(String) }),
      ]);
      const everything = JSON.stringify(lines);
      expect(everything).not.toContain(subject);
      expect(everything).not.toContain('body text that must never reach a log line');
      expect(everything).not.toContain('someone@example.net');
    });

    it('leave out probes and scrapes: no request line, no request id, no request context', async () => {
      const probes = await Promise.all(['/health/live', '/health/ready', '/metrics'].map((path) => app.http.get(path).expect(200)));
      for (const probe of probes) expect(probe.headers['x-request-id']).toBeUndefined();
      const marker = await app.send(message()).set('X-Request-Id', 'req-after-probes').expect(202);
      const lines = await pollUntil(
        async () => loggedLines(),
        (all) => all.some((line) => (line.req as { id?: string } | undefined)?.id === 'req-after-probes'),
      );
      const urls = lines.map((line) => (line.req as { url?: string } | undefined)?.url ?? '');
      expect(urls.filter((url) => /^\/(health|metrics)/.test(url))).toEqual([]);
      await app.waitForStatus(marker.body.id, ['sent']);
    });
  });

  describe('graceful shutdown', () => {
    it('turns readiness to 503 first, then lets the send in flight finish before stopping', async () => {
      await world.reset();
      const stopping = await TestApp.start({ redisUrl: world.redis.url, env: { ...world.env, SHUTDOWN_TIMEOUT_MS: '20000' } });
      let answer!: () => void;
      world.sendgrid.answerNext({ after: new Promise<void>((resolve) => (answer = resolve)) });
      const id = (await stopping.send(message()).expect(202)).body.id;
      await pollUntil(async () => world.sendgrid.received.length, (count) => count === 1);

      const closed = stopping.close();
      const notReady = await pollUntil(
        () => stopping.http.get('/health/ready'),
        (response) => response.status === 503,
      );
      expect(notReady.body.error.process).toEqual({ status: 'down', message: 'shutting down' });
      answer();
      await closed;

      const after = await TestApp.start({ redisUrl: world.redis.url, env: { ...world.env, MAIL_ROLE: 'api' } });
      try {
        const record = (await after.http.get(`/v1/emails/${id}`).expect(200)).body;
        expect(record.status).toBe('sent');
        expect(record.attempts).toEqual([expect.objectContaining({ provider: 'sendgrid', outcome: 'sent' })]);
      } finally {
        await after.close();
      }
    });
  });

  describe('MAIL_ROLE', () => {
    let api: TestApp;
    let worker: TestApp;

    beforeAll(async () => {
      await world.reset();
      [api, worker] = await Promise.all([
        TestApp.start({ redisUrl: world.redis.url, env: { ...world.env, MAIL_ROLE: 'api' } }),
        TestApp.start({ redisUrl: world.redis.url, env: { ...world.env, MAIL_ROLE: 'worker' } }),
      ]);
    });

    afterAll(async () => {
      await Promise.all([api.close(), worker.close()]);
    });

    it('splits the work: the api process accepts, the worker process sends', async () => {
      const id = (await api.send(message()).expect(202)).body.id;
      await api.waitForStatus(id, ['sent']);

      const apiMetrics = (await api.http.get('/metrics').expect(200)).text;
      const workerMetrics = (await worker.http.get('/metrics').expect(200)).text;
      expect(series(apiMetrics, 'mailroute_messages_accepted_total')).toBe(1);
      expect(series(apiMetrics, 'mailroute_send_attempts_total', { provider: 'sendgrid', outcome: 'sent' })).toBeUndefined();
      expect(series(workerMetrics, 'mailroute_send_attempts_total', { provider: 'sendgrid', outcome: 'sent' })).toBe(1);
      expect(series(workerMetrics, 'mailroute_messages_accepted_total')).toBe(0);
    });

    it('a worker loads no API route: only the probes and /metrics answer', async () => {
      await worker.http.get('/health/live').expect(200);
      await worker.http.get('/health/ready').expect(200);
      await worker.http.get('/metrics').expect(200);
      const document = (await api.http.get('/docs-json').expect(200)).body as { paths: Record<string, object> };
      const operations = Object.entries(document.paths)
        .filter(([path]) => !path.startsWith('/health'))
        .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method, path: path.replace(/\{[^}]+\}/g, randomUUID()) })));
      expect(operations.length).toBeGreaterThan(10);
      for (const { method, path } of [...operations, { method: 'get', path: '/docs-json' }, { method: 'get', path: '/admin/queues' }]) {
        const answer = await worker.http[method as 'get' | 'post' | 'delete'](path);
        expect({ method, path, status: answer.status }).toEqual({ method, path, status: 404 });
      }
    });
  });
});
