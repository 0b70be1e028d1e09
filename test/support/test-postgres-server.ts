import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../../src/redis/redis.module';
import { PostgresServerOptions, PostgresServerProcess } from '../../src/database/postgres-server.process';
import { pollUntil } from './poll';
import { childrenOf } from './processes';

export interface TestPostgresServerOptions extends PostgresServerOptions {
  /** Listen here rather than on a free port: a restarted server must be where its clients reconnect to. */
  port?: number;
  /** Further postgresql.conf settings, applied after the defaults (`{ max_connections: '20' }`). */
  settings?: Record<string, string>;
}

/**
 * The embedded PostgreSQL with what only tests and benches need: settings of their own, a fixed port,
 * its processes, and the faults they inject (a hang, a crash) on the whole server. Each backend makes
 * itself a process group leader, so faults are signalled process by process, not to a group.
 */
export class TestPostgresServer extends PostgresServerProcess {
  static override async start(options: TestPostgresServerOptions): Promise<TestPostgresServer> {
    const port = options.port ?? (await freePort());
    const { child, password } = await PostgresServerProcess.spawn(options, port, options.settings ?? {});
    return new TestPostgresServer(child, port, password, resolve(options.dataDir));
  }

  /** initdb without starting a server: the template that test servers copy. */
  static override async initialize(dataDir: string): Promise<void> {
    await PostgresServerProcess.initialize(dataDir);
  }

  /** The postmaster's. */
  get pid(): number {
    return this.child.pid!;
  }

  /** False once the postmaster has exited, however it was stopped. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The postmaster and the processes it forked (backends, checkpointer, WAL writer, logger...). */
  processIds(): number[] {
    return [this.pid, ...childrenOf(this.pid)];
  }

  override async stop(): Promise<void> {
    // A frozen server would hold the shutdown signal until it is let go.
    this.thaw();
    await super.stop();
  }

  /** Simulates a hung server (SIGSTOP to every process): connections stay open, and nothing on them is answered. */
  freeze(): void {
    this.signalAll('SIGSTOP');
  }

  /** Lets a frozen server go on (SIGCONT); a running one is not affected. */
  thaw(): void {
    this.signalAll('SIGCONT');
  }

  /**
   * Simulates a crash: SIGKILL to every process, no checkpoint. Returns once all of them are dead, since
   * a server started on the same data directory refuses to share memory with a backend still dying.
   */
  async kill(): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    const processes = this.signalAll('SIGKILL');
    await exited;
    await pollUntil(async () => processes.filter(isRunning), (running) => running.length === 0);
  }

  /** The postmaster is held first, so that it forks no process the list would miss; returns the list. */
  private signalAll(signal: NodeJS.Signals): number[] {
    if (!this.running) return [];
    signalEach([this.pid], 'SIGSTOP');
    const processes = this.processIds();
    signalEach(processes, signal);
    if (signal !== 'SIGSTOP') signalEach([this.pid], 'SIGCONT');
    return processes;
  }
}

function signalEach(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Exited meanwhile.
    }
  }
}

/** Neither gone nor a zombie (a dead process its parent has not reaped yet). */
function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}
