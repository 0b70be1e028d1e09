import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, escapeIdentifier } from 'pg';
import { initdbArguments, postgresBinaries } from '../../src/database/postgres-server.process';
import { watchSecret } from './secret-watch';
import { TestPostgresServer, TestPostgresServerOptions } from './test-postgres-server';

/**
 * Where jest's e2e globalSetup (postgres.global-setup.ts) leaves the URL of the one server a test run
 * shares: the workers it forks afterwards inherit the variable.
 */
export const SHARED_POSTGRES_VARIABLE = 'MAILROUTE_TEST_POSTGRES_URL';

export interface ThrowawayPostgresOptions {
  /** Off by default: a test server needs speed, and a killed one still loses no commit (see PostgresServerOptions). */
  fsync?: boolean;
  /** Further postgresql.conf settings. */
  settings?: TestPostgresServerOptions['settings'];
}

/**
 * A throwaway PostgreSQL on a free 127.0.0.1 port, with its data in a temporary directory copied from
 * an initdb'ed template (a copy takes about a tenth of an initdb).
 */
export class ThrowawayPostgres {
  private constructor(
    private current: TestPostgresServer,
    private readonly options: TestPostgresServerOptions,
  ) {}

  static async start({ fsync = false, settings = {} }: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailroute-postgres-'));
    copyDirectory(await template(), dataDir);
    const server = await TestPostgresServer.start({ dataDir, fsync, settings });
    return new ThrowawayPostgres(server, { dataDir, fsync, settings, port: server.port });
  }

  /** The running server: the same object until `restart()`. */
  get server(): TestPostgresServer {
    return this.current;
  }

  /** `postgres://mailroute:<password>@127.0.0.1:<port>/mailroute`. */
  get url(): string {
    return this.current.url;
  }

  get port(): number {
    return this.current.port;
  }

  /**
   * A fresh empty database on this server, and the URL to it: for tests that share one server but must
   * not share state.
   */
  createDatabase(name?: string): Promise<string> {
    return createDatabaseOn(this.url, name);
  }

  /** Stops the server (if it still runs) and starts it again on the same data directory and port. */
  async restart(): Promise<void> {
    await this.current.stop();
    this.current = await TestPostgresServer.start(this.options);
  }

  async stop(): Promise<void> {
    await this.current.stop();
    rmSync(this.options.dataDir, { recursive: true, force: true });
  }
}

/**
 * A fresh empty database on the server the whole test run shares, and the URL to it. For a database
 * that the apps and processes on one Redis must share, see `testDatabaseFor`.
 */
export async function testDatabase(): Promise<string> {
  const serverUrl = process.env[SHARED_POSTGRES_VARIABLE];
  if (!serverUrl) {
    throw new Error(
      `testDatabase() needs the PostgreSQL server that jest's e2e project starts (test/support/postgres.global-setup.ts), ` +
        `and ${SHARED_POSTGRES_VARIABLE} is not set. Outside jest, start a ThrowawayPostgres and use its createDatabase().`,
    );
  }
  return createDatabaseOn(serverUrl);
}

/** This test file's database per Redis server: the same promise for every app and process on that Redis. */
const databasesByRedis = new Map<string, Promise<string>>();

/**
 * The database of the Redis at `redisUrl` (empty: the embedded Redis), made on first use in this test
 * file: apps and processes that share a Redis share their history as well, as an API process and the
 * workers that deliver its messages do in production. Keyed by host and port only, since
 * `ThrowawayRedis.flush()` empties every Redis database of a server at once.
 */
export function testDatabaseFor(redisUrl: string): Promise<string> {
  const key = redisServerOf(redisUrl);
  let database = databasesByRedis.get(key);
  if (!database) {
    database = testDatabase();
    databasesByRedis.set(key, database);
    // A failed creation is not kept: the next app on that Redis tries again.
    database.catch(() => databasesByRedis.delete(key));
  }
  return database;
}

/** Once a Redis is flushed, the next app on it starts on a fresh database too, not on the history of what was flushed. */
export function forgetTestDatabaseFor(redisUrl: string): void {
  databasesByRedis.delete(redisServerOf(redisUrl));
}

function redisServerOf(redisUrl: string): string {
  return redisUrl ? new URL(redisUrl).host : '';
}

/** Creates database `name` (a random one by default) on the server at `serverUrl`; returns its URL, whose password the secret scan watches. */
async function createDatabaseOn(serverUrl: string, name = `test_${randomBytes(6).toString('hex')}`): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  watchSecret(decodeURIComponent(url.password));
  return url.toString();
}

/**
 * One initialized data directory per PostgreSQL version, initdb arguments and server account, kept in
 * the temporary directory across runs; made once, atomically, whichever test worker gets there first.
 */
async function template(): Promise<string> {
  const dir = join(tmpdir(), `mailroute-postgres-template-${templateKey()}`);
  if (existsSync(join(dir, 'PG_VERSION'))) return dir;
  const stage = mkdtempSync(`${dir}.`);
  try {
    await TestPostgresServer.initialize(stage);
    renameSync(stage, dir);
  } catch (error) {
    // A worker that made the template first makes our rename fail, and that template serves as well.
    if (!existsSync(join(dir, 'PG_VERSION'))) throw error;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return dir;
}

function templateKey(): string {
  const version = spawnSync(postgresBinaries().postgres, ['--version'], { encoding: 'utf8' }).stdout;
  const hash = createHash('sha256').update(version).update(JSON.stringify(initdbArguments('', ''))).update(String(process.getuid?.()));
  return hash.digest('hex').slice(0, 16);
}

/** `cp -a`, not fs.cpSync: it keeps the files' owner (the server's account when tests run as root) and is three times faster. */
function copyDirectory(from: string, to: string): void {
  const copy = spawnSync('cp', ['-a', `${from}/.`, to], { encoding: 'utf8' });
  if (copy.status !== 0) throw new Error(`copying the PostgreSQL template failed: ${copy.stderr}`);
}
