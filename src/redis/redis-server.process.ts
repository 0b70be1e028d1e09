import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { exitsWithin, isAlive, readPid } from '../common/process-ids';
import { stopOnExit } from '../common/stop-on-exit';

export interface RedisServerOptions {
  /** Where Redis keeps its append-only file and pid file. */
  dataDir: string;
  /** AOF with `appendfsync everysec`: what the embedded default runs with, so a crash loses at most a second. */
  appendOnly: boolean;
}

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

export class RedisServerNotInstalledError extends Error {
  override readonly name = 'RedisServerNotInstalledError';
  constructor() {
    super(
      'No redis-server binary found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`, ' +
        'macOS: `brew install redis`) or set REDIS_URL to an existing Redis.',
    );
  }
}

/**
 * A `redis-server` child process bound to 127.0.0.1 on a free port: the embedded default when no
 * REDIS_URL is configured. test/support/test-redis-server.ts extends it with what only tests need.
 */
export class RedisServerProcess {
  protected constructor(
    protected readonly child: ChildProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(options: RedisServerOptions): Promise<RedisServerProcess> {
    const port = await freePort();
    return new RedisServerProcess(await RedisServerProcess.spawn(options, ['--port', String(port)]), port);
  }

  /** Starts redis-server with the defaults for `options`, then `settings` (redis.conf lines as arguments). */
  protected static async spawn(options: RedisServerOptions, settings: string[]): Promise<ChildProcess> {
    assertInstalled();
    mkdirSync(options.dataDir, { recursive: true });
    await stopLeftoverServer(options.dataDir);
    // A session of its own, as the embedded PostgreSQL: a terminal's Ctrl+C must not stop Redis under
    // mailroute while it finishes its jobs; mailroute stops it last.
    const child = spawn('redis-server', [...serverArguments(options), ...settings], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    stopOnExit(child, 'SIGTERM');
    await waitUntilReady(child);
    return child;
  }

  /** Asks Redis to shut down cleanly (it flushes the AOF on SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

function assertInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (probe.error) throw new RedisServerNotInstalledError();
}

function serverArguments(options: RedisServerOptions): string[] {
  return [
    '--bind', '127.0.0.1',
    '--dir', options.dataDir,
    '--pidfile', join(options.dataDir, 'redis.pid'),
    '--appendonly', options.appendOnly ? 'yes' : 'no',
    '--appendfsync', 'everysec',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no',
  ];
}

/** A server left running by a mailroute that was killed would otherwise share this data directory. */
async function stopLeftoverServer(dataDir: string): Promise<void> {
  const pid = readPid(join(dataDir, 'redis.pid'));
  if (pid === undefined || !isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  await exitsWithin(pid, STOP_TIMEOUT_MS);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not allocate a port');
  return address.port;
}

function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start: ${reason}\n${output.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail('timed out'), STARTUP_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(`exited with code ${code}`));
  });
}
