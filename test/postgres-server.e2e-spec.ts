import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, ClientConfig } from 'pg';
import { PASSWORD_FILE, PostgresServerProcess } from '../src/database/postgres-server.process';
import { pollUntil } from './support/poll';
import { ThrowawayPostgres } from './support/postgres';
import { TestPostgresServer } from './support/test-postgres-server';

/** A connected client that tolerates its server going away (pg throws an unhandled 'error' otherwise). */
async function connect(config: string | ClientConfig): Promise<Client> {
  const client = new Client(config);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function queryOnce<T>(url: string, sql: string): Promise<T[]> {
  const client = await connect(url);
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The real user id of a process, from /proc/<pid>/status. */
function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('Uid:'));
  return Number(line!.split(/\s+/)[1]);
}

function uidOfUser(name: string): number | undefined {
  const probe = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  return probe.status === 0 ? Number(probe.stdout.trim()) : undefined;
}

describe('a throwaway PostgreSQL', () => {
  let postgres: ThrowawayPostgres;

  beforeAll(async () => {
    postgres = await ThrowawayPostgres.start();
  });
  afterAll(async () => {
    await postgres?.stop();
  });

  it('listens on 127.0.0.1 and answers queries in the mailroute database as the mailroute user', async () => {
    expect(postgres.url).toMatch(new RegExp(`^postgres://mailroute:[^@]+@127\\.0\\.0\\.1:${postgres.port}/mailroute$`));

    const rows = await queryOnce(postgres.url, "SELECT current_user AS who, current_database() AS db, current_setting('fsync') AS fsync, 6 * 7 AS answer");

    expect(rows).toEqual([{ who: 'mailroute', db: 'mailroute', fsync: 'off', answer: 42 }]);
  });

  it('refuses a wrong password: it authenticates, rather than trusting whoever reaches the port', async () => {
    const client = new Client({ host: '127.0.0.1', port: postgres.port, user: 'mailroute', password: 'not-the-password', database: 'mailroute' });

    await expect(client.connect()).rejects.toMatchObject({ code: '28P01' });
  });

  it('runs every one of its processes as an unprivileged user, also when the tests run as root', () => {
    const expected = process.getuid!() === 0 ? (uidOfUser('postgres') ?? uidOfUser('nobody')) : process.getuid!();
    const processes = postgres.server.processIds();

    // The postmaster and at least its checkpointer, WAL writer and logger.
    expect(processes.length).toBeGreaterThan(3);
    expect(new Set(processes.map(uidOf))).toEqual(new Set([expected]));
    expect(expected).not.toBe(0);
  });

  it('creates databases that share the server but nothing else', async () => {
    const [first, second] = [await postgres.createDatabase(), await postgres.createDatabase('second one')];
    await queryOnce(first, 'CREATE TABLE only_here (id int)');

    const [inFirst] = await queryOnce<{ table: string | null }>(first, "SELECT to_regclass('only_here')::text AS table");
    const [inSecond] = await queryOnce<{ table: string | null; db: string }>(second, "SELECT to_regclass('only_here')::text AS table, current_database() AS db");

    expect(inFirst.table).toBe('only_here');
    expect(inSecond).toEqual({ table: null, db: 'second one' });
  });
});

describe('faults a throwaway PostgreSQL injects', () => {
  let postgres: ThrowawayPostgres;
  const clients: Client[] = [];

  beforeEach(async () => {
    postgres = await ThrowawayPostgres.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
    await postgres?.stop();
  });

  async function client(config: ClientConfig = {}): Promise<Client> {
    const connected = await connect({ connectionString: postgres.url, ...config });
    clients.push(connected);
    return connected;
  }

  it('kill: connections fail at once; restart: the same port, and every committed row is back (fsync off loses nothing to a killed server)', async () => {
    const writer = await client();
    await writer.query('CREATE TABLE kept (id int)');
    await writer.query('INSERT INTO kept SELECT generate_series(1, 1000)');
    const port = postgres.port;

    await postgres.server.kill();

    await expect(writer.query('SELECT 1')).rejects.toThrow();
    expect(postgres.server.running).toBe(false);
    await postgres.restart();
    expect(postgres.port).toBe(port);
    expect(await queryOnce(postgres.url, 'SELECT count(*)::int AS rows FROM kept')).toEqual([{ rows: 1000 }]);
  });

  it('freeze: a query waits unanswered until it times out; thaw: a query waiting since the freeze finishes', async () => {
    const impatient = await client({ query_timeout: 500 });
    const patient = await client();
    postgres.server.freeze();

    let answered = false;
    const waiting = patient.query('SELECT 42 AS answer').then((result) => {
      answered = true;
      return result.rows;
    });
    await expect(impatient.query('SELECT 1')).rejects.toThrow(/timeout/i);
    expect(answered).toBe(false);
    postgres.server.thaw();

    expect(await waiting).toEqual([{ answer: 42 }]);
  });
});

describe('the embedded PostgreSQL (fsync on, a data directory of its own)', () => {
  let dir: string;
  const servers: PostgresServerProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailroute-embedded-postgres-'));
    // mkdtemp makes it 0700, and a server running as its own user (the tests run as root) must pass through.
    chmodSync(dir, 0o755);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(dataDir: string): Promise<TestPostgresServer> {
    const server = await TestPostgresServer.start({ dataDir });
    servers.push(server);
    return server;
  }

  it('initializes a missing data directory with a password only its owner can read, and keeps a row across stop and start', async () => {
    const dataDir = join(dir, 'data', 'postgres');
    const first = await PostgresServerProcess.start({ dataDir });
    servers.push(first);
    await queryOnce(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
    expect(await queryOnce(first.url, "SELECT current_setting('fsync') AS fsync")).toEqual([{ fsync: 'on' }]);
    await first.stop();

    const second = await PostgresServerProcess.start({ dataDir });
    servers.push(second);

    expect(await queryOnce(second.url, 'SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
    expect(statSync(join(dataDir, PASSWORD_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('takes over from a server left running on its data directory', async () => {
    const dataDir = join(dir, 'postgres');
    const leftover = await start(dataDir);
    await queryOnce(leftover.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from the leftover')");

    const successor = await start(dataDir);

    await pollUntil(async () => leftover.running, (running) => !running);
    expect(await queryOnce(successor.url, 'SELECT note FROM kept')).toEqual([{ note: 'from the leftover' }]);
  });

  it('starts despite a stale lock file naming a live process that is not its server (a pid reused after a restart)', async () => {
    const dataDir = join(dir, 'postgres');
    const first = await start(dataDir);
    await queryOnce(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('before the restart')");
    await first.stop();
    // As the server's own user, so that postgres (not only mailroute) would take it for a live server.
    const owner = statSync(dataDir);
    const bystander = spawn('sleep', ['600'], process.getuid!() === 0 ? { uid: owner.uid, gid: owner.gid } : {});
    try {
      writeFileSync(join(dataDir, 'postmaster.pid'), `${bystander.pid}\n${dataDir}\n`);

      const second = await start(dataDir);

      expect(await queryOnce(second.url, 'SELECT note FROM kept')).toEqual([{ note: 'before the restart' }]);
      expect(bystander.exitCode === null && bystander.signalCode === null).toBe(true);
    } finally {
      bystander.kill('SIGKILL');
    }
  });
});
