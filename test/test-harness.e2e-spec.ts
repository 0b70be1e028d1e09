import { Client } from 'pg';
import { AppConfig } from '../src/config/config.module';
import { SHARED_POSTGRES_VARIABLE, testDatabase } from './support/postgres';
import { ThrowawayRedis } from './support/redis';
import { forgetOutputs, leakedSecrets, recordOutput } from './support/secret-watch';
import { ServiceProcess } from './support/service-process';
import { TestApp } from './support/test-app';

/** The database names on the server the run shares, as PostgreSQL itself lists them. */
async function databasesOnSharedServer(): Promise<string[]> {
  const client = new Client({ connectionString: process.env[SHARED_POSTGRES_VARIABLE] });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database');
    return rows.map(({ datname }) => datname);
  } finally {
    await client.end();
  }
}

const configOf = (app: TestApp) => app.app.get(AppConfig);
const nameOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

// The harness every e2e test stands on: one PostgreSQL per jest run (test/support/postgres.global-setup.ts),
// a database on it per Redis, so apps never share the embedded default ./data/postgres.
describe('the PostgreSQL of the test harness', () => {
  const redises: ThrowawayRedis[] = [];
  const apps: TestApp[] = [];

  const startRedis = async () => {
    const redis = await ThrowawayRedis.start();
    redises.push(redis);
    return redis;
  };
  const startApp = async (...[options]: Parameters<typeof TestApp.start>) => {
    const app = await TestApp.start(options);
    apps.push(app);
    return app;
  };

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(redises.map((redis) => redis.stop()));
  });

  it('gives apps on different Redis servers different databases, on the server globalSetup started', async () => {
    const shared = process.env[SHARED_POSTGRES_VARIABLE];
    expect(shared).toMatch(/^postgres:\/\/mailroute:[^@]+@127\.0\.0\.1:\d+\/mailroute$/);
    const [first, second] = await Promise.all([startRedis(), startRedis()]);
    const started = await Promise.all([first, second].map((redis) => startApp({ redisUrl: redis.url })));

    const urls = started.map((app) => configOf(app).database.url!);
    expect(urls).toEqual(started.map((app) => app.databaseUrl));
    for (const url of urls) expect(new URL(url).host).toBe(new URL(shared!).host);
    const names = urls.map(nameOf);
    expect(names[0]).not.toBe(names[1]);
    expect(names).not.toContain('mailroute');
    expect(await databasesOnSharedServer()).toEqual(expect.arrayContaining(names));
  });

  it('gives apps on one Redis one database, and a fresh one once that Redis is flushed', async () => {
    const redis = await startRedis();
    const [api, worker] = await Promise.all([
      startApp({ redisUrl: redis.url, env: { MAIL_ROLE: 'api' } }),
      startApp({ redisUrl: redis.url, env: { MAIL_ROLE: 'worker' } }),
    ]);
    expect(configOf(worker).database.url).toBe(configOf(api).database.url);

    await redis.flush();
    const afterFlush = await startApp({ redisUrl: redis.url });
    expect(configOf(afterFlush).database.url).toEqual(expect.stringMatching(/^postgres:\/\//));
    expect(configOf(afterFlush).database.url).not.toBe(configOf(api).database.url);
  });

  it('uses the database it is given: env.DATABASE_URL over the databaseUrl option over its Redis', async () => {
    const redis = await startRedis();
    const [option, fromEnv] = await Promise.all([testDatabase(), testDatabase()]);
    const given = await startApp({ redisUrl: redis.url, databaseUrl: option });
    const both = await startApp({ redisUrl: redis.url, databaseUrl: option, env: { DATABASE_URL: fromEnv } });
    expect(configOf(given).database.url).toBe(option);
    expect(configOf(both).database.url).toBe(fromEnv);
    expect(both.databaseUrl).toBe(fromEnv);
  });

  it('starts a service process on the database of its Redis, the one a TestApp on that Redis has', async () => {
    const redis = await startRedis();
    const app = await startApp({ redisUrl: redis.url });
    const service = await ServiceProcess.start({ REDIS_URL: redis.url, MAIL_ROLE: 'worker', MAIL_OUTBOX_DIR: app.outboxDir, LOG_FORMAT: 'json' });
    try {
      expect(service.databaseUrl).toBe(app.databaseUrl);
    } finally {
      await service.stop();
    }
  }, 90_000);

  it('watches the database password: the secret scan would catch it in a log line or a response', async () => {
    const password = decodeURIComponent(new URL(await testDatabase()).password);
    expect(leakedSecrets()).toEqual([]);
    recordOutput('a deliberate leak', `connecting with ${password}`);
    expect(leakedSecrets()).toEqual([expect.stringContaining('in a deliberate leak')]);
    forgetOutputs();
  });
});
