import { once } from 'node:events';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Socket, connect } from 'node:net';
import type Redis from 'ioredis';
import { newApiKey } from '../support/api-keys';
import { pollUntil } from '../support/poll';
import { ThrowawayRedis } from '../support/redis';
import { loggedLines } from '../support/secret-watch';
import { TestApp, useTestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';
import { startWebhookWorld, stopWebhookWorld } from '../support/webhook-world';

const message = { from: 'shop@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };

async function listen(app: TestApp): Promise<number> {
  const server = app.app.getHttpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

async function scanAll(client: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'COUNT', 100);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A POST whose headers (with the full Content-Length) and first bytes are sent at once, and the rest
 * only on `finish()`: the server holds it in flight for as long as the test wants.
 */
function heldPost(port: number, path: string, body: Buffer, headers: Record<string, string> = {}) {
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers },
  });
  const state: { answer?: Answer } = {};
  const answered = new Promise<Answer>((resolve, reject) => {
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        state.answer = { status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString() };
        resolve(state.answer);
      });
    });
    request.on('error', reject);
  });
  // A post the test abandons fails with "socket hang up", which nobody awaits.
  answered.catch(() => undefined);
  request.write(body.subarray(0, 1024));
  return {
    state,
    answered,
    finish: () => {
      request.end(body.subarray(1024));
      return answered;
    },
    abandon: () => request.destroy(),
  };
}

describe('7. Concurrent request bytes per process', () => {
  const running = useTestApp();
  // Base64 of 9.5 MiB: a body of 13.3 MB, under the 15 MB body limit, within the attachment limit.
  const big = Buffer.from(
    JSON.stringify({ ...message, attachments: [{ filename: 'big.bin', content: Buffer.alloc(9.5 * 1024 * 1024, 1).toString('base64') }] }),
  );

  it('refuses big bodies past the bound with 503 and Retry-After, while a small request still succeeds', async () => {
    const port = await listen(running.app);
    const held = [1, 2, 3].map(() => heldPost(port, '/v1/emails', big));
    try {
      const refused = await pollUntil(
        async () => held.filter(({ state }) => state.answer !== undefined),
        (answered) => answered.length > 0,
      );
      expect(refused).toHaveLength(1);
      const answer = refused[0].state.answer!;
      expect(answer.status).toBe(503);
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(answer.body)).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
      expect(loggedLines()).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringMatching(/^refused a \d+-byte body/) }));
      // Refused before any route: still a request line, under the id the answer carries.
      const refusedId = answer.headers['x-request-id'];
      expect(refusedId).toEqual(expect.any(String));
      await pollUntil(
        async () => loggedLines(),
        (lines) => lines.some((line) => (line.req as { id?: string } | undefined)?.id === refusedId && (line.res as { statusCode?: number }).statusCode === 503),
      );

      await running.app.send(message).expect(202);
      const admitted = held.filter(({ state }) => state.answer === undefined);
      const answers = await Promise.all(admitted.map((post) => post.finish()));
      expect(answers.map(({ status }) => status)).toEqual([202, 202]);
      for (const { body } of answers) await running.app.waitForStatus(JSON.parse(body).id, ['sent']);
    } finally {
      held.forEach((post) => post.abandon());
    }
  });
});

describe('7. Concurrent request bytes per process, against clients without a key', () => {
  const client = newApiKey('shop', 'send');
  const running = useTestApp({ env: { API_KEYS: client.entry } });
  const bodyOf = (mebibytes: number) =>
    Buffer.from(JSON.stringify({ ...message, attachments: [{ filename: 'f.bin', content: Buffer.alloc(mebibytes * 1024 * 1024, 1).toString('base64') }] }));

  it('keeps most of the bound for callers with a key: slow uploads without one cannot turn them away', async () => {
    const port = await listen(running.app);
    const anonymous = [1, 2].map(() => heldPost(port, '/v1/emails', bodyOf(4.5)));
    const keyed: ReturnType<typeof heldPost>[] = [];
    try {
      const refused = await pollUntil(
        async () => anonymous.filter(({ state }) => state.answer !== undefined),
        (answered) => answered.length > 0,
      );
      expect(refused.map(({ state }) => state.answer!.status)).toEqual([503]);
      keyed.push(...[1, 2].map(() => heldPost(port, '/v1/emails', bodyOf(9.5), { authorization: client.bearer })));
      const answers = await Promise.all(keyed.map((post) => post.finish()));
      expect(answers.map(({ status }) => status)).toEqual([202, 202]);
      const stillHeld = anonymous.find(({ state }) => state.answer === undefined)!;
      expect((await stillHeld.finish()).status).toBe(401);
      // Sent before the app closes, so that no delivery is cut off by the shutdown.
      for (const { body } of answers) await running.app.waitForStatus(JSON.parse(body).id, ['sent'], client.bearer);
    } finally {
      [...anonymous, ...keyed].forEach((post) => post.abandon());
    }
  });
});

describe('7. Expiry of every key mailroute writes', () => {
  let redis: ThrowawayRedis;
  let receiver: WebhookReceiver;
  let app: TestApp;

  beforeAll(async () => {
    ({ redis, receiver, app } = await startWebhookWorld());
  });
  afterAll(() => stopWebhookWorld({ app, redis, receiver }));

  /**
   * The keys that are kept until someone removes them, each for the reason its writer gives: state an
   * operator manages or that is one value per provider, Bull's own queue structures (jobs leave them
   * through removeOnComplete and removeOnFail), and the structures that follow messages to PostgreSQL
   * (entries leave as the history writer handles them: the event stream is trimmed to what is unhandled,
   * the in-flight, finished and late-event sets lose each message as it moves).
   */
  const PERMANENT = [
    /^mailroute:(events|inflight|finished|late-events)$/,
    /^mailroute:suppressions$/,
    /^mailroute:providers:disabled$/,
    /^mailroute:breaker:[a-z0-9-]+$/,
    /^mailroute:(mail|webhooks):(id|wait|active|delayed|paused|failed|completed|priority|meta|stalled|limiter|repeat)$/,
  ];

  it('gives every other key a TTL, after accepts, webhook deliveries and an Idempotency-Key', async () => {
    const ids = [];
    for (const to of ['ann@example.com', 'bob@example.com', 'cy@example.com']) {
      ids.push((await app.send({ ...message, to, tags: ['t'] }).set('Idempotency-Key', `key-${to}`).expect(202)).body.id);
    }
    await app.http.post('/v1/providers/outbox/disable').expect(200);
    await app.http.post('/v1/providers/outbox/enable').expect(200);
    await Promise.all(ids.map((id) => app.waitForStatus(id, ['sent'])));
    await pollUntil(
      async () => receiver.received.map(({ body }) => JSON.parse(body)).filter((event) => event.type === 'email.sent'),
      (sent) => sent.length === ids.length,
    );

    const client = redis.client();
    try {
      // A job's own hash lives as long as the job; once every job is done, none may be left.
      const keys = await pollUntil(
        () => scanAll(client),
        (all) => !all.some((key) => /^mailroute:(mail|webhooks):[0-9a-f-]{36}$/.test(key)),
      );
      const ttls = await Promise.all(keys.map(async (key) => [key, await client.pttl(key)] as const));
      const kept = ttls
        .filter(([key, ttl]) => ttl === -1 && !PERMANENT.some((pattern) => pattern.test(key)))
        .map(([key]) => key);
      expect(keys.length).toBeGreaterThan(5);
      expect(kept).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it('keeps relaying events to the webhook after the event stream expired, group and all', async () => {
    const client = redis.client();
    try {
      await client.del('mailroute:events');
    } finally {
      client.disconnect();
    }
    const { body } = await app.send(message).expect(202);
    await pollUntil(
      async () => receiver.received.map(({ body: posted }) => JSON.parse(posted)).filter((event) => event.data.emailId === body.id),
      (events) => events.some((event) => event.type === 'email.sent'),
    );
  });
});

describe('9. Webhook redirects', () => {
  let redis: ThrowawayRedis;
  let receiver: WebhookReceiver;
  let app: TestApp;

  beforeAll(async () => {
    ({ redis, receiver, app } = await startWebhookWorld({ WEBHOOK_RETRY_BASE_MS: '50' }));
  });
  afterAll(() => stopWebhookWorld({ app, redis, receiver }));

  it('fails a delivery answered with 307, records the answer, and never calls the redirect target', async () => {
    receiver.redirectTo('/elsewhere');
    const { body } = await app.send(message).expect(202);
    await app.waitForStatus(body.id, ['sent']);

    const deliveries = await pollUntil(
      async () => {
        const all = (await app.http.get('/v1/webhooks/deliveries').expect(200)).body as { emailId: string; status: string }[];
        return all.filter((delivery) => delivery.emailId === body.id);
      },
      (mine) => mine.length === 3 && mine.every((delivery) => delivery.status !== 'pending'),
    );
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({
        status: 'failed',
        attempts: [{ status: 307, error: expect.stringContaining('redirect not followed') }],
      });
    }
    expect(receiver.received.filter(({ path }) => path === '/elsewhere')).toEqual([]);
    expect(receiver.refused.length).toBe(3);
  });
});

describe('11. Slow bodies and connections', () => {
  const running = useTestApp();

  it('keeps idle connections open longer than a load balancer does (60 s) and bounds requests, by default', () => {
    const server = running.app.app.getHttpServer();
    expect(server.keepAliveTimeout).toBeGreaterThan(60_000);
    expect(server.requestTimeout).toBeLessThan(45_000);
    expect(server.headersTimeout).toBeLessThanOrEqual(server.requestTimeout);
    expect(server.maxConnections).toBeGreaterThan(0);
  });

  it('closes connections that trickle a body past HTTP_REQUEST_TIMEOUT_MS, answering 408', async () => {
    const redis = await ThrowawayRedis.start();
    const app = await TestApp.start({ redisUrl: redis.url, env: { HTTP_REQUEST_TIMEOUT_MS: '500' } });
    const sockets: { socket: Socket; closed: boolean; heard: string }[] = [];
    const trickle = setInterval(() => sockets.forEach(({ socket, closed }) => closed || socket.write(' ')), 100);
    try {
      const port = await listen(app);
      for (let i = 0; i < 10; i += 1) {
        const socket = connect(port, '127.0.0.1');
        const entry = { socket, closed: false, heard: '' };
        socket.on('data', (chunk: Buffer) => (entry.heard += chunk.toString()));
        socket.on('close', () => (entry.closed = true));
        socket.on('error', () => undefined);
        socket.write('POST /v1/emails HTTP/1.1\r\nHost: mailroute\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
        sockets.push(entry);
      }
      await pollUntil(
        async () => sockets.filter(({ closed }) => closed).length,
        (closed) => closed === sockets.length,
        { timeoutMs: 15_000 },
      );
      for (const { heard } of sockets) expect(heard).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(trickle);
      sockets.forEach(({ socket }) => socket.destroy());
      await app.close();
      await redis.stop();
    }
  });

  it('lets shutdown end a keep-alive connection whose request was under way, without waiting out the keep-alive', async () => {
    const redis = await ThrowawayRedis.start();
    const app = await TestApp.start({ redisUrl: redis.url });
    // Closed once fully started: closing an app still starting can fail on its own ("Connection is
    // closed"), a separate problem from the one tested here.
    await pollUntil(() => app.http.get('/health/ready'), (response) => response.status === 200);
    const server = app.app.getHttpServer();
    const socket = connect(await listen(app), '127.0.0.1');
    socket.on('error', () => undefined);
    try {
      await once(socket, 'connect');
      // A route that needs no Redis: what is tested is the connection, not what shutdown does to a store.
      const body = JSON.stringify(message);
      socket.write(`GET /health/live HTTP/1.1\r\nHost: mailroute\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n{`);
      const state = { closed: false };
      const closing = app.close().then(() => (state.closed = true));
      await pollUntil(async () => server.listening, (listening) => !listening);
      socket.write(body.slice(1));
      await pollUntil(async () => state.closed, (closed) => closed);
      await closing;
    } finally {
      socket.destroy();
      await redis.stop();
    }
  });

  it('refuses connections past HTTP_MAX_CONNECTIONS and serves those within it', async () => {
    const redis = await ThrowawayRedis.start();
    const app = await TestApp.start({ redisUrl: redis.url, env: { HTTP_MAX_CONNECTIONS: '2' } });
    const sockets: Socket[] = [];
    try {
      await pollUntil(() => app.http.get('/health/ready'), (response) => response.status === 200);
      const port = await listen(app);
      const open = async () => {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        sockets.push(socket);
        await once(socket, 'connect');
        return socket;
      };
      const [first, second] = [await open(), await open()];
      const third = await open();
      await once(third, 'close');
      expect(first.destroyed || second.destroyed).toBe(false);
      const answer = once(first, 'data');
      first.write('GET /health/live HTTP/1.1\r\nHost: mailroute\r\n\r\n');
      expect(String((await answer)[0])).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await app.close();
      await redis.stop();
    }
  });
});

describe('13. Addresses in request logs', () => {
  const running = useTestApp();

  it('logs the route template and no address for ?to= listings and suppression removals', async () => {
    const victim = 'victim-7f3a@corp.example';
    await running.app.http.get(`/v1/emails?to=${victim}&limit=5`).set('X-Request-Id', 'logs-listing').expect(200);
    await running.app.http.get(`/v1/emails?to=${encodeURIComponent(victim)}`).set('X-Request-Id', 'logs-encoded').expect(200);
    await running.app.http.delete(`/v1/suppressions/${victim}`).set('X-Request-Id', 'logs-delete');

    const requestLine = (lines: Record<string, unknown>[], id: string) =>
      lines.find((line) => (line.req as { id?: string } | undefined)?.id === id && line.res !== undefined);
    const lines = await pollUntil(
      async () => loggedLines(),
      (all) => ['logs-listing', 'logs-encoded', 'logs-delete'].every((id) => requestLine(all, id)),
    );
    expect(requestLine(lines, 'logs-listing')).toMatchObject({
      req: { method: 'GET', url: '/v1/emails?to=[redacted]&limit=5' },
      route: '/v1/emails',
    });
    expect(requestLine(lines, 'logs-encoded')).toMatchObject({ req: { url: '/v1/emails?to=[redacted]' } });
    expect(requestLine(lines, 'logs-delete')).toMatchObject({
      req: { method: 'DELETE', url: '/v1/suppressions/[redacted]' },
      route: '/v1/suppressions/:email',
    });
    const everything = JSON.stringify(lines);
    expect(everything).not.toContain('victim-7f3a');
  });
});
