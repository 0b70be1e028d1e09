import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, lchownSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, Stats, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Client, escapeIdentifier } from 'pg';
import { exitsWithin, isAlive, readPid } from '../common/process-ids';
import { stopOnExit } from '../common/stop-on-exit';
import { freePort } from '../redis/redis.module';

export interface PostgresServerOptions {
  /** The cluster's data directory: initialized (initdb) when empty or missing, reused otherwise. */
  dataDir: string;
  /**
   * Used instead of `dataDir` when the server must run as another user (mailroute runs as root) who
   * cannot reach `dataDir`.
   */
  fallbackDataDir?: string;
  /**
   * On (the default) for the embedded server: a committed row survives a power cut. Off only for
   * throwaway test servers: commits still reach the OS, so a killed server loses nothing; a crashed
   * machine would.
   */
  fsync?: boolean;
}

/** Where the binaries are: a directory's absolute paths, or bare names that PATH resolves. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The superuser initdb creates, and the database mailroute keeps its history in. */
export const POSTGRES_USER = 'mailroute';
export const POSTGRES_DATABASE = 'mailroute';
/** The superuser's password, generated at initdb, readable only by the server's user (mode 0600). */
export const PASSWORD_FILE = 'mailroute.password';

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 2_000;
const POLL_INTERVAL_MS = 50;
const OUTPUT_TAIL_CHARS = 4_000;
const INITDB_STAGE = '.initdb';
// initdb, postgres and the shared libraries they need come from the same package.
const DEBIAN_VERSIONS_DIR = '/usr/lib/postgresql';
const ERROR_AUTH_FAILED = '28P01';
const ERROR_DUPLICATE_DATABASE = '42P04';

export class PostgresNotInstalledError extends Error {
  override readonly name = 'PostgresNotInstalledError';
  constructor() {
    super(
      'No PostgreSQL server binaries (initdb, postgres) found via pg_config, /usr/lib/postgresql/*/bin or PATH. ' +
        'Install them (Debian/Ubuntu: `sudo apt-get install -y postgresql`, macOS: `brew install postgresql`) ' +
        'or set DATABASE_URL to an existing PostgreSQL.',
    );
  }
}

/** The unprivileged account the server runs as when mailroute runs as root: postgres refuses root. */
export interface ServerAccount {
  name: string;
  uid: number;
  gid: number;
}

/**
 * A `postgres` child process bound to 127.0.0.1 on a free port: the embedded default when no
 * DATABASE_URL is configured. It authenticates with a password generated at initdb and kept in the data
 * directory, rather than trusting loopback: any local account could otherwise connect as superuser, and
 * a PostgreSQL superuser can run programs as the server's user. It runs in a session of its own, so
 * it shuts down when mailroute says (after the history is flushed), not on the terminal's Ctrl+C.
 * test/support/test-postgres-server.ts extends it with what only tests need.
 */
export class PostgresServerProcess {
  protected constructor(
    protected readonly child: ChildProcess,
    readonly port: number,
    private readonly password: string,
    /** Where its data is: the options' `dataDir`, or their `fallbackDataDir` when that could not be reached. */
    readonly dataDir: string,
  ) {}

  /** `postgres://mailroute:<password>@127.0.0.1:<port>/mailroute`: for clients, never for logs. */
  get url(): string {
    return `postgres://${POSTGRES_USER}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${POSTGRES_DATABASE}`;
  }

  static async start(options: PostgresServerOptions): Promise<PostgresServerProcess> {
    const port = await freePort();
    const dataDir = reachableDataDir(options, serverAccount());
    if (dataDir !== resolve(options.dataDir)) createPassable(dirname(dataDir));
    const { child, password } = await PostgresServerProcess.spawn({ ...options, dataDir }, port, {});
    return new PostgresServerProcess(child, port, password, dataDir);
  }

  /**
   * Initializes `dataDir` when it is empty, stops a server left running on it, starts postgres with the
   * defaults for `options` and then `settings` (postgresql.conf names), and waits until it accepts
   * connections and has the mailroute database.
   */
  protected static async spawn(
    options: PostgresServerOptions,
    port: number,
    settings: Record<string, string>,
  ): Promise<{ child: ChildProcess; password: string }> {
    const dataDir = resolve(options.dataDir);
    const binaries = postgresBinaries();
    const account = serverAccount();
    await prepareDataDir(dataDir, binaries, account);
    const password = readPassword(dataDir);
    const allSettings = { ...serverSettings(port, options.fsync ?? true), ...settings };
    const child = spawn(binaries.postgres, ['-D', dataDir, ...Object.entries(allSettings).flatMap(([name, value]) => ['-c', `${name}=${value}`])], {
      cwd: dataDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...asAccount(account),
    });
    stopOnExit(child, 'SIGINT');
    const output = collectOutput(child);
    try {
      await createDatabaseIfMissing(await connectWhenReady(child, port, password));
    } catch (error) {
      await stopServer(child);
      throw new Error(`postgres did not start: ${(error as Error).message}\n${output()}`, { cause: error });
    }
    return { child, password };
  }

  /**
   * initdb into `dataDir` unless it already holds a cluster; for test supports that copy an initialized
   * template instead of paying for initdb on every server.
   */
  protected static async initialize(dataDir: string): Promise<void> {
    const account = serverAccount();
    if (account) assertReachable(resolve(dataDir), account);
    await initializeDataDir(resolve(dataDir), postgresBinaries(), account);
  }

  /** Fast shutdown (SIGINT): open transactions roll back, clients are disconnected, a checkpoint is written. */
  async stop(): Promise<void> {
    await stopServer(this.child);
  }
}

/** Stops a server left running on `dataDir`, initializes it when empty, and gives it to `account`. */
async function prepareDataDir(dataDir: string, binaries: PostgresBinaries, account: ServerAccount | undefined): Promise<void> {
  if (account) assertReachable(dataDir, account);
  await stopLeftoverServer(dataDir);
  await initializeDataDir(dataDir, binaries, account);
  if (account) ownTree(dataDir, account);
}

/** pg_config's bindir, else the newest Debian /usr/lib/postgresql/<version>/bin, else PATH. */
export function postgresBinaries(): PostgresBinaries {
  for (const dir of [pgConfigBinDir(), ...debianBinDirs()]) {
    if (dir === undefined) continue;
    const binaries = { initdb: join(dir, 'initdb'), postgres: join(dir, 'postgres') };
    if (existsSync(binaries.initdb) && existsSync(binaries.postgres)) return binaries;
  }
  const onPath = { initdb: 'initdb', postgres: 'postgres' };
  if (Object.values(onPath).every((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0)) return onPath;
  throw new PostgresNotInstalledError();
}

function pgConfigBinDir(): string | undefined {
  const probe = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

function debianBinDirs(): string[] {
  if (!existsSync(DEBIAN_VERSIONS_DIR)) return [];
  return readdirSync(DEBIAN_VERSIONS_DIR)
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(DEBIAN_VERSIONS_DIR, version, 'bin'));
}

/** Undefined unless mailroute runs as root; then the postgres account (Debian's package makes it), else nobody. */
function serverAccount(): ServerAccount | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = idOf(name, '-u');
    const gid = idOf(name, '-g');
    if (uid !== undefined && gid !== undefined) return { name, uid, gid };
  }
  throw new Error('postgres refuses to run as root, and there is neither a postgres nor a nobody user to run it as.');
}

/**
 * `dataDir`, unless the server runs as an `account` who cannot reach it and there is a fallback: the
 * fallback then, rather than asking to loosen the permissions of someone's folders.
 */
export function reachableDataDir({ dataDir, fallbackDataDir }: PostgresServerOptions, account: ServerAccount | undefined): string {
  const resolved = resolve(dataDir);
  if (!account || !fallbackDataDir || closedFolderOnTheWay(resolved, account) === undefined) return resolved;
  return resolve(fallbackDataDir);
}

/** Creates `dir` and its missing parents, passable (x) by anyone whatever the umask: mailroute's own folders. */
function createPassable(dir: string): void {
  if (existsSync(dir)) return;
  createPassable(dirname(dir));
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
}

/**
 * Every existing folder above `dataDir` must let `account` pass (x), or initdb and postgres fail with a
 * bare "Permission denied"; /root (mode 0700) is the usual culprit.
 */
function assertReachable(dataDir: string, account: ServerAccount): void {
  const closed = closedFolderOnTheWay(dataDir, account);
  if (closed === undefined) return;
  throw new Error(
    `PostgreSQL refuses to run as root, so it runs as the user ${account.name}, who cannot enter ${closed} (on the way to ${dataDir}). ` +
      'Choose a data directory it can reach, or let it through (chmod o+x on that folder).',
  );
}

/**
 * The first existing folder above `dataDir` that `account` may not pass through, if any. The child runs
 * with no supplementary groups, so only owner, group and others' bits count.
 */
function closedFolderOnTheWay(dataDir: string, account: ServerAccount): string | undefined {
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    if (existsSync(dir) && !canPass(statSync(dir), account)) return dir;
    if (dir === dirname(dir)) return undefined;
  }
}

function canPass(folder: Stats, account: ServerAccount): boolean {
  if (folder.uid === account.uid) return (folder.mode & 0o100) !== 0;
  if (folder.gid === account.gid) return (folder.mode & 0o010) !== 0;
  return (folder.mode & 0o001) !== 0;
}

function asAccount(account: ServerAccount | undefined): { uid?: number; gid?: number } {
  return account ? { uid: account.uid, gid: account.gid } : {};
}

function idOf(name: string, flag: '-u' | '-g'): number | undefined {
  const probe = spawnSync('id', [flag, name], { encoding: 'utf8' });
  return probe.status === 0 ? Number(probe.stdout.trim()) : undefined;
}

/**
 * initdb into a staging directory inside `dataDir` (the same file system, even when `dataDir` is a
 * mounted volume), then the files moved up with PG_VERSION last: a crash mid-way leaves no directory
 * that the next start would take for a cluster.
 */
async function initializeDataDir(dataDir: string, binaries: PostgresBinaries, account: ServerAccount | undefined): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const stage = join(dataDir, INITDB_STAGE);
  mkdirSync(dataDir, { recursive: true });
  rmSync(stage, { recursive: true, force: true });
  if (readdirSync(dataDir).length > 0) throw new Error(`${dataDir} is neither empty nor a PostgreSQL data directory.`);
  // postgres refuses a data directory that others can read.
  chmodSync(dataDir, 0o700);
  mkdirSync(stage, { mode: 0o700 });
  const passwordFile = join(stage, PASSWORD_FILE);
  writeFileSync(passwordFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  if (account) {
    lchownSync(dataDir, account.uid, account.gid);
    ownTree(stage, account);
  }
  const cluster = join(stage, 'cluster');
  await run(binaries.initdb, initdbArguments(cluster, passwordFile), stage, account);
  renameSync(passwordFile, join(dataDir, PASSWORD_FILE));
  const entries = readdirSync(cluster).sort((a, b) => Number(a === 'PG_VERSION') - Number(b === 'PG_VERSION'));
  for (const entry of entries) renameSync(join(cluster, entry), join(dataDir, entry));
  rmSync(stage, { recursive: true, force: true });
}

export function initdbArguments(dataDir: string, passwordFile: string): string[] {
  return [
    '-D', dataDir,
    '-U', POSTGRES_USER,
    `--pwfile=${passwordFile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    // Byte-order sorting (fast, and index-friendly for prefix searches) with Unicode-aware upper/lower.
    '--locale=C',
    '--lc-ctype=C.UTF-8',
    '--no-instructions',
  ];
}

function serverSettings(port: number, fsync: boolean): Record<string, string> {
  return {
    listen_addresses: '127.0.0.1',
    port: String(port),
    // No Unix socket: it would need /var/run/postgresql, and every client connects over TCP.
    unix_socket_directories: '',
    fsync: fsync ? 'on' : 'off',
    // Torn pages only come from a crashed machine, which fsync=off does not survive anyway.
    full_page_writes: fsync ? 'on' : 'off',
    // Its own log in <dataDir>/log, a file per weekday overwritten a week later: the stderr of a child
    // process is no place to look for what a server did yesterday.
    logging_collector: 'on',
    log_directory: 'log',
    log_filename: 'postgresql-%a.log',
    log_truncate_on_rotation: 'on',
    log_rotation_age: '1d',
  };
}

/** Gives `dir` and everything in it to `account`, unless it is already theirs. */
function ownTree(dir: string, account: ServerAccount): void {
  if (statSync(dir).uid === account.uid) return;
  lchownSync(dir, account.uid, account.gid);
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    lchownSync(join(dir, entry), account.uid, account.gid);
  }
}

function readPassword(dataDir: string): string {
  const file = join(dataDir, PASSWORD_FILE);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: ${dataDir} was not initialized by mailroute. Point DATABASE_URL at that server instead.`);
  }
  return readFileSync(file, 'utf8').trim();
}

async function run(command: string, args: string[], cwd: string, account: ServerAccount | undefined): Promise<void> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...asAccount(account) });
  const output = collectOutput(child);
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${basename(command)} failed with code ${code}:\n${output()}`);
}

/** Keeps the last few thousand characters a child printed, for the error that explains why it failed. */
function collectOutput(child: ChildProcess): () => string {
  let tail = '';
  const collect = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.on('error', (error) => (tail += `\n${error.message}`));
  return () => tail;
}

/**
 * postgres says it is ready in its log, which the logging collector takes over; a connection that
 * authenticates is the proof that counts, so it is tried until one does.
 */
async function connectWhenReady(child: ChildProcess, port: number, password: string): Promise<Client> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.pid === undefined) throw new Error('it could not be run');
    if (hasExited(child)) throw new Error(`it exited with code ${child.exitCode ?? child.signalCode}; its log is in the data directory's log/`);
    const client = new Client({ host: '127.0.0.1', port, user: POSTGRES_USER, password, database: 'postgres', connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if ((error as { code?: string }).code === ERROR_AUTH_FAILED) throw new Error(`the password in ${PASSWORD_FILE} was refused`, { cause: error });
      if (Date.now() > deadline) {
        throw new Error(`not accepting connections after ${STARTUP_TIMEOUT_MS} ms: ${(error as Error).message}`, { cause: error });
      }
    }
    await new Promise((done) => setTimeout(done, POLL_INTERVAL_MS));
  }
}

async function createDatabaseIfMissing(client: Client): Promise<void> {
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [POSTGRES_DATABASE]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE ${escapeIdentifier(POSTGRES_DATABASE)}`);
  } catch (error) {
    // Another process created it between the look and the CREATE.
    if ((error as { code?: string }).code !== ERROR_DUPLICATE_DATABASE) throw error;
  } finally {
    await client.end();
  }
}

/** Exited, or never started (no pid): either way no 'exit' is to come. */
function hasExited(child: ChildProcess): boolean {
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
}

/** Fast shutdown of the postmaster, and SIGKILL if it is not gone in time (its backends follow it). */
async function stopServer(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * A server left running by a mailroute that was killed holds the data directory's lock file: it is
 * stopped. A lock file naming a live process that is not that server (its pid reused after a restart,
 * as happens in containers) is stale: it is removed, since postgres would take that process for a
 * server and refuse to start.
 */
async function stopLeftoverServer(dataDir: string): Promise<void> {
  const lockFile = join(dataDir, 'postmaster.pid');
  const pid = readPid(lockFile);
  if (pid === undefined || !isAlive(pid)) return;
  if (!servesDataDir(pid, dataDir)) {
    rmSync(lockFile);
    return;
  }
  process.kill(pid, 'SIGINT');
  if (await exitsWithin(pid, STOP_TIMEOUT_MS)) return;
  process.kill(pid, 'SIGKILL');
  await exitsWithin(pid, STOP_TIMEOUT_MS);
}


/** Whether the live process `pid` is the postmaster of `dataDir`, which it makes its working directory. */
function servesDataDir(pid: number, dataDir: string): boolean {
  // No /proc (macOS): trust the lock file, as postgres itself does.
  if (!existsSync('/proc')) return true;
  try {
    return realpathSync(`/proc/${pid}/cwd`) === realpathSync(dataDir);
  } catch {
    // Another user's process (or a zombie): not a server of this directory, which is ours.
    return false;
  }
}
