import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { freePort } from '../../src/redis/redis-server.process';
import { pollUntil } from './poll';
import { testDatabaseFor } from './postgres';
import { recordOutput } from './secret-watch';

const ROOT = join(__dirname, '..', '..');

export interface ServiceProcessOptions {
  /**
   * What to run instead of src/main.ts: a built bundle (`dist/main.js`, run with plain node) or another
   * TypeScript entry (run under ts-node, like src/main.ts).
   */
  entry?: string;
  /** The working directory, which the default data directories are relative to; the checkout otherwise. */
  cwd?: string;
}

/** How a process that was started to fail ended. */
export interface ServiceExit {
  code: number | null;
  printed: string;
}

/**
 * mailroute as its own OS process (src/main.ts through ts-node, or a built bundle), for tests that need
 * workers and API processes that share nothing with the test but Redis and PostgreSQL.
 */
export class ServiceProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly output: string[],
    /** Where the process keeps its history; undefined with DATABASE_URL_FILE. */
    readonly databaseUrl: string | undefined,
  ) {}

  /**
   * Starts the process with `env` and, unless `env` names a database (DATABASE_URL or DATABASE_URL_FILE),
   * the database of its REDIS_URL on the server the test run shares: processes on one Redis share one
   * database, as the api and worker pods of a deployment do. Benches, which run outside jest, name theirs.
   */
  static async start(env: Record<string, string>, options: ServiceProcessOptions = {}, attempts = 2): Promise<ServiceProcess> {
    const { child, port, output, fullEnv } = await spawnService(env, options);
    const service = new ServiceProcess(child, `http://127.0.0.1:${port}`, output, fullEnv.DATABASE_URL || undefined);
    const started = await pollUntil(
      () => service.live(),
      (up) => up,
      { timeoutMs: 60_000, intervalMs: 100 },
    ).then(
      () => true,
      (error: Error) => {
        child.kill('SIGKILL');
        // freePort() hands out a port nothing listens on; until the process binds it, an outgoing
        // connection of this machine may take it as its own local port. Only a port chosen here is retried.
        if (attempts > 1 && env.PORT === undefined && output.join('').includes(`EADDRINUSE 127.0.0.1:${port}`)) return false;
        throw new Error(`${error.message}\n${output.join('').slice(-3000)}`);
      },
    );
    return started ? service : ServiceProcess.start(env, options, attempts - 1);
  }

  /** Starts a process that is to fail, and waits for it to exit by itself. */
  static async failingStart(env: Record<string, string>, options: ServiceProcessOptions = {}): Promise<ServiceExit> {
    const { child, output } = await spawnService(env, options);
    // 'close', not 'exit': the output is complete only when its pipes are closed.
    const [code] = (await once(child, 'close')) as [number | null];
    recordOutput('service process output', output.join(''));
    return { code, printed: output.join('') };
  }

  /** SIGTERM, as Kubernetes stops a pod, and waits for the process to exit. */
  stop(): Promise<void> {
    return this.end('SIGTERM');
  }

  /** SIGKILL, as when a node dies: no shutdown hook runs. */
  kill(): Promise<void> {
    return this.end('SIGKILL');
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    if (this.running) {
      const exited = once(this.child, 'exit');
      this.child.kill(signal);
      await exited;
    }
    recordOutput('service process output', this.output.join(''));
  }

  private get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The process's id: the primary's, when it runs a process cluster (MAIL_PROCESSES). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Everything the process printed so far. */
  get printed(): string {
    return this.output.join('');
  }

  private async live(): Promise<boolean> {
    if (this.child.exitCode !== null) throw new Error(`service exited with code ${this.child.exitCode}`);
    return fetch(`${this.url}/health/live`).then(
      (response) => response.ok,
      () => false,
    );
  }
}

async function spawnService(env: Record<string, string>, { entry, cwd }: ServiceProcessOptions) {
  const port = await freePort();
  const output: string[] = [];
  const script = resolve(ROOT, entry ?? 'src/main.ts');
  const args = script.endsWith('.ts') ? ['-r', require.resolve('ts-node/register/transpile-only'), script] : [script];
  const fullEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: String(port),
    // ts-node looks for it from the working directory, which may be elsewhere.
    TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    ...(await databaseEnv(env)),
    ...env,
  };
  const child = spawn(process.execPath, args, { cwd: cwd ?? ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return { child, port, output, fullEnv };
}

async function databaseEnv(env: Record<string, string>): Promise<Record<string, string>> {
  if (env.DATABASE_URL !== undefined || env.DATABASE_URL_FILE !== undefined) return {};
  return { DATABASE_URL: await testDatabaseFor(env.REDIS_URL ?? '') };
}
