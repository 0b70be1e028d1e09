import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { AddressInfo, Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { pollUntil } from './support/poll';
import { testDatabaseFor } from './support/postgres';
import { redisPortIn, serversIn, withCwd } from './support/processes';
import { ServiceProcess } from './support/service-process';

/** Where the embedded PostgreSQL of a mailroute started in `checkout` keeps its data, given who runs it. */
function postgresDataDirOf(checkout: string): string {
  const { dataDir, fallbackDataDir } = withCwd(checkout, () => loadConfig({}).database);
  // As root, PostgreSQL runs as the postgres user, who cannot enter a 0700 folder of root's.
  return process.getuid?.() === 0 ? fallbackDataDir! : dataDir;
}

// What `npm start` runs with no configuration: its own Redis and its own PostgreSQL, in a fresh checkout
// (a temporary folder as the working directory) that only its owner may enter, as `mktemp -d` and /root are.
describe('the embedded defaults (no REDIS_URL, no DATABASE_URL)', () => {
  let checkout: string;
  let postgresData: string;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    checkout = mkdtempSync(join(tmpdir(), 'mailroute-checkout-'));
    chmodSync(checkout, 0o700);
    postgresData = postgresDataDirOf(checkout);
    // Empty counts as unset: the harness would otherwise give the process a database of the shared server.
    service = await ServiceProcess.start({ DATABASE_URL: '' }, { cwd: checkout });
  }, 90_000);
  afterAll(async () => {
    // SIGTERM, not SIGKILL: after a failed test the embedded servers must stop with the process, not outlive the run.
    await service?.stop();
    rmSync(checkout, { recursive: true, force: true });
    rmSync(dirname(postgresData), { recursive: true, force: true });
  });

  it('delivers into the outbox, keeps the message in its own PostgreSQL, and stops both servers on SIGTERM without a connection warning', async () => {
    const accepted = await fetch(`${service!.url}/v1/emails`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: 'a@example.com', to: 'b@example.com', subject: 'Embedded history', text: 'Hello' }),
    });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    const listed = await pollUntil(
      async () => (await (await fetch(`${service!.url}/v1/emails?subject=embedded`)).json()) as { data: { id: string; status: string }[] },
      ({ data }) => data[0]?.status === 'sent',
    );
    expect(listed.data.map((email) => email.id)).toEqual([id]);
    expect(readdirSync(join(checkout, 'data', 'outbox')).filter((name) => name.endsWith('.eml'))).toHaveLength(1);
    // PostgreSQL's backends and helpers work there too: each server at least once.
    expect(new Set(serversIn(checkout, postgresData))).toEqual(new Set([postgresData, join(checkout, 'data', 'redis')]));
    expect(service!.printed).toContain(`history=embedded (${postgresData})`);
    if (postgresData !== join(checkout, 'data', 'postgres')) expect(service!.printed).toContain(`its data is in ${postgresData} instead`);

    const stopped = service!;
    await stopped.stop();
    service = undefined;
    expect(serversIn(checkout, postgresData)).toEqual([]);
    // The embedded PostgreSQL stops after the pool's last connection has closed, not under it.
    expect(stopped.printed).not.toContain('PostgreSQL connection error');
  }, 60_000);
});

/**
 * A TCP proxy to `target` that holds every connection until release(): the database answers (and
 * refuses) only once the test lets it, whatever else the start is doing by then.
 */
async function heldProxy(target: URL) {
  const [host, port] = [target.hostname, Number(target.port)];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client.pause());
    void released.then(() => {
      const upstream = connect(port, host);
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    release,
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      server.close();
    },
  };
}

/** Whether the redis-server working in `dir` answers PING. */
async function redisAnswersIn(dir: string): Promise<boolean> {
  const port = redisPortIn(dir);
  if (port === undefined) return false;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (answer) => {
      socket.destroy();
      resolve(answer.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

describe('a start that fails after an embedded server is up', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailroute-failed-start-'));
    chmodSync(dir, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stops the embedded Redis when the application cannot be created (a PostgreSQL that refuses the password)', async () => {
    const refused = new URL(await testDatabaseFor(`redis://embedded-${basename(dir)}`));
    refused.password = 'not-the-password';
    // Redis and PostgreSQL are opened at the same time: the refusal is held until Redis is up, as the case needs.
    const proxy = await heldProxy(refused);
    refused.port = String(proxy.port);
    const exiting = ServiceProcess.failingStart({ DATABASE_URL: refused.href, REDIS_DATA_DIR: join(dir, 'redis'), MAIL_OUTBOX_DIR: join(dir, 'outbox') });
    const redisUp = await pollUntil(() => redisAnswersIn(dir), Boolean, { timeoutMs: 30_000 }).then(
      () => true,
      () => false,
    );
    // Released either way, so that the start fails and the process ends.
    proxy.release();
    const exit = await exiting.finally(() => proxy.close());
    expect(redisUp).toBe(true);
    expect(exit.code).toBe(1);
    expect(exit.printed).toContain('Started embedded redis-server');
    expect(exit.printed).toContain('password authentication failed');
    expect(exit.printed).not.toContain('not-the-password');
    await pollUntil(
      async () => serversIn(dir),
      (running) => running.length === 0,
    );
  }, 90_000);

  it('exits non-zero naming the cause when the port is taken, and leaves neither server running', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as { port: number };
    try {
      const exit = await ServiceProcess.failingStart({
        PORT: String(port),
        DATABASE_URL: '',
        REDIS_DATA_DIR: join(dir, 'redis'),
        POSTGRES_DATA_DIR: join(dir, 'postgres'),
        MAIL_OUTBOX_DIR: join(dir, 'outbox'),
      });
      expect(exit.code).toBe(1);
      expect(exit.printed).toContain('EADDRINUSE');
      expect(exit.printed).toContain('Started embedded PostgreSQL');
    } finally {
      taken.close();
    }
    await pollUntil(
      async () => serversIn(dir),
      (running) => running.length === 0,
    );
  }, 90_000);
});
