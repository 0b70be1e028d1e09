import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ThrowawayRedis, ThrowawaySentinel } from './support/redis';
import { leakedSecrets, loggedLines, recordOutput, watchSecret } from './support/secret-watch';
import { ServiceProcess } from './support/service-process';
import { TestApp } from './support/test-app';

// Production Redis as mailroute meets it: TLS, passwords, a database number, Sentinel, and servers set
// up to evict or not to persist. Every server here is a real redis-server on 127.0.0.1.

// pino's levels
const INFO = 30;
const WARN = 40;

const message = { from: 'app@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };

/** What the app logged after the first `mark` lines (see loggedLines), as pino wrote it. */
const linesSince = (mark: number) => loggedLines().slice(mark);

const newSecret = (name: string) => {
  const secret = `${name}-${randomBytes(12).toString('hex')}`;
  watchSecret(secret);
  return secret;
};

/**
 * Sends a message and waits for its delivery, and schedules another for tomorrow; returns the id of the
 * scheduled one, which stays in Redis (a delivered message moves to PostgreSQL).
 */
async function sendAndDeliver(app: TestApp): Promise<string> {
  const { body } = await app.send(message).expect(202);
  const delivered = await app.waitForStatus(body.id, ['sent', 'failed']);
  expect(delivered).toMatchObject({ status: 'sent', provider: 'outbox' });
  expect(readdirSync(app.outboxDir).filter((name) => name.endsWith('.eml'))).toHaveLength(1);
  const scheduled = await app.send({ ...message, sendAt: new Date(Date.now() + 86_400_000).toISOString() }).expect(202);
  return scheduled.body.id;
}

async function keysOf(client: Redis): Promise<string[]> {
  const keys = await client.keys('*');
  client.disconnect();
  return keys;
}

describe('Redis over TLS (rediss:// with REDIS_TLS_CA_FILE)', () => {
  let redis: ThrowawayRedis;
  let app: TestApp;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start({ tls: true });
    app = await TestApp.start({ redisUrl: redis.url, env: { REDIS_TLS_CA_FILE: redis.caFile! } });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('stores, queues and delivers a message through a Redis that only speaks TLS', async () => {
    expect(redis.url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+$/);
    const id = await sendAndDeliver(app);

    const client = redis.client();
    expect(await client.config('GET', 'port')).toEqual(['port', '0']);
    expect(await keysOf(client)).toEqual(expect.arrayContaining([`mailroute:email:${id}`, 'mailroute:mail:id']));
  });

  it('is a server that refuses plain connections and clients that do not trust its CA', async () => {
    /** Whether a client with `options` got connected, and the errors it met (ioredis reports those as events). */
    const attempt = async (options: object) => {
      const client = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, retryStrategy: () => null, ...options });
      const errors: string[] = [];
      client.on('error', (error: Error) => errors.push(error.message));
      const connected = await client.connect().then(
        () => true,
        () => false,
      );
      client.disconnect();
      return { connected, errors };
    };
    expect((await attempt({})).connected).toBe(false);
    expect(await attempt({ tls: {} })).toEqual({ connected: false, errors: [expect.stringMatching(/certificate/)] });
  });
});

describe('Redis with a password and a database number', () => {
  const password = newSecret('redis-password');
  let redis: ThrowawayRedis;
  let app: TestApp;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start({ settings: { requirepass: password } });
    app = await TestApp.start({ redisUrl: `redis://:${password}@127.0.0.1:${redis.port}/5` });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('keeps messages and jobs in that database, and never logs the password', async () => {
    const id = await sendAndDeliver(app);

    const inDatabase5 = await keysOf(redis.client(5));
    expect(inDatabase5).toEqual(expect.arrayContaining([`mailroute:email:${id}`, 'mailroute:mail:id']));
    expect(inDatabase5.every((key) => key.startsWith('mailroute:'))).toBe(true);
    expect(await keysOf(redis.client(0))).toEqual([]);
    expect(leakedSecrets()).toEqual([]);
  });

  it('fails to start with a wrong password, saying why without repeating it', async () => {
    const wrong = newSecret('wrong-password');
    const outboxDir = mkdtempSync(join(tmpdir(), 'mailroute-outbox-'));
    // Its own process: a start that fails leaves Bull's half-made connections behind, which is harmless
    // in a process that then exits, as mailroute does.
    const started = ServiceProcess.start({ REDIS_URL: `redis://:${wrong}@127.0.0.1:${redis.port}/5`, MAIL_OUTBOX_DIR: outboxDir });
    const failure = await started.then(
      () => undefined,
      (error: Error) => error.message,
    );
    rmSync(outboxDir, { recursive: true, force: true });
    expect(failure).toMatch(/service exited with code 1/);
    expect(failure).toMatch(/Could not connect to Redis/);
    expect(failure).toMatch(/Redis connection error: WRONGPASS/);
    recordOutput('service process output', failure ?? '');
    expect(leakedSecrets()).toEqual([]);
  }, 90_000);
});

describe('Redis Sentinel', () => {
  const name = 'mailroute-master';
  const servers: { stop(): Promise<void> }[] = [];
  let dataDir: string;

  beforeAll(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'mailroute-sentinel-test-')), 'embedded-redis');
  });
  afterAll(async () => {
    for (const server of servers.reverse()) await server.stop();
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  });

  async function startMasterAndSentinel(passwords: { master?: string; sentinel?: string } = {}) {
    const master = await ThrowawayRedis.start({ settings: passwords.master ? { requirepass: passwords.master } : {} });
    servers.push(master);
    const sentinel = await ThrowawaySentinel.start(master, {
      name,
      password: passwords.sentinel,
      masterPassword: passwords.master,
    });
    servers.push(sentinel);
    return { master, sentinel };
  }

  async function startApp(env: Record<string, string>): Promise<TestApp> {
    // No REDIS_URL (an empty variable counts as unset), and nowhere the embedded Redis may go unnoticed.
    const app = await TestApp.start({ redisUrl: '', env: { REDIS_DATA_DIR: dataDir, ...env } });
    servers.push({ stop: () => app.close() });
    return app;
  }

  it('finds the master through the sentinels, without REDIS_URL and without an embedded Redis', async () => {
    const { master, sentinel } = await startMasterAndSentinel();
    const app = await startApp({ REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`, REDIS_SENTINEL_NAME: name });

    const id = await sendAndDeliver(app);
    expect(await keysOf(master.client())).toEqual(expect.arrayContaining([`mailroute:email:${id}`, 'mailroute:mail:id']));
    expect(existsSync(dataDir)).toBe(false);
  });

  it('logs in to the sentinels with REDIS_SENTINEL_PASSWORD and to the master with the password and database of REDIS_URL', async () => {
    const passwords = { master: newSecret('master-password'), sentinel: newSecret('sentinel-password') };
    const { master, sentinel } = await startMasterAndSentinel(passwords);
    const app = await startApp({
      // Only the credentials and the database count: the sentinels say where the master is.
      REDIS_URL: `redis://:${passwords.master}@${name}/4`,
      REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
      REDIS_SENTINEL_NAME: name,
      REDIS_SENTINEL_PASSWORD: passwords.sentinel,
    });

    const id = await sendAndDeliver(app);
    expect(await keysOf(master.client(4))).toContain(`mailroute:email:${id}`);
    expect(await keysOf(master.client(0))).toEqual([]);
    expect(leakedSecrets()).toEqual([]);
  });
});

describe('the durability check at start', () => {
  const started: { stop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const running of started.reverse()) await running.stop();
  });

  /**
   * What the app logs about the durability settings while it starts against a redis-server with
   * `settings`; the app must then deliver a message all the same.
   */
  async function startupLines(settings: Record<string, string | string[]>) {
    const redis = await ThrowawayRedis.start({ settings });
    started.push(redis);
    const mark = loggedLines().length;
    const app = await TestApp.start({ redisUrl: redis.url });
    started.push({ stop: () => app.close() });
    // Also lets the worker's connections come up: Bull leaves a rejection unhandled when its queue is
    // closed before the blocking connection has named itself.
    await sendAndDeliver(app);
    return linesSince(mark)
      .filter(({ msg }) => /maxmemory-policy|appendonly/.test(String(msg)))
      .map(({ level, context, msg }) => ({ level, context, msg }));
  }

  it('warns that an evicting Redis may drop queued jobs and message records, and that one without AOF loses them on restart', async () => {
    const lines = await startupLines({ 'maxmemory-policy': 'allkeys-lru', appendonly: 'no' });

    expect(lines).toEqual([
      {
        level: WARN,
        context: 'Redis',
        msg: expect.stringMatching(
          /^Redis runs with maxmemory-policy allkeys-lru: .*may evict queued jobs and message records.*Set maxmemory-policy noeviction/,
        ),
      },
      {
        level: WARN,
        context: 'Redis',
        msg: expect.stringMatching(/^Redis runs with appendonly no: an accepted message can be lost when Redis restarts\. Set appendonly yes/),
      },
    ]);
  });

  it('says nothing about a Redis with noeviction and the append-only file on', async () => {
    expect(await startupLines({ 'maxmemory-policy': 'noeviction', appendonly: 'yes' })).toEqual([]);
  });

  it('leaves a full Redis with noeviction refusing the message (503) rather than dropping stored ones', async () => {
    const redis = await ThrowawayRedis.start({ settings: { 'maxmemory-policy': 'noeviction' } });
    started.push(redis);
    const app = await TestApp.start({ redisUrl: redis.url });
    started.push({ stop: () => app.close() });
    const stored = await sendAndDeliver(app);
    const client = redis.client();
    await client.config('SET', 'maxmemory', '1');

    await app.send(message).expect(503);
    expect(await client.exists(`mailroute:email:${stored}`)).toBe(1);
    client.disconnect();
  });

  it('says in one line, not as a warning, that it could not check when CONFIG is disabled', async () => {
    const lines = await startupLines({ 'maxmemory-policy': 'allkeys-lru', 'rename-command': ['CONFIG', ''] });

    expect(lines).toEqual([
      {
        level: INFO,
        context: 'Redis',
        msg: expect.stringMatching(
          /^Could not check Redis's maxmemory-policy and appendonly \(CONFIG GET: ERR unknown command .*\); make sure it runs with maxmemory-policy noeviction and appendonly yes\.$/,
        ),
      },
    ]);
  });
});
