import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { processCpuSeconds } from './cpu-time';

export type RawHandler = 'http' | 'sdk' | 'sleep';

export interface RawBullWorkerOptions {
  redisUrl: string;
  queue: string;
  concurrency: number;
  /**
   * `http`: one POST to the fake provider per job with node:http; `sdk`: the same through the SendGrid
   * SDK; `sleep`: wait `delayMs` and nothing else.
   */
  handler: RawHandler;
  delayMs: number;
  providerUrl: string;
  providerKey: string;
}

/**
 * A plain Bull worker process (raw-bull-worker.child.ts): the reference for mailroute's workers. It
 * stops when its IPC channel closes, so it never outlives the bench.
 */
export class RawBullWorker {
  private constructor(private readonly child: ChildProcess) {}

  static async start(options: RawBullWorkerOptions): Promise<RawBullWorker> {
    const child = fork(join(__dirname, 'raw-bull-worker.child.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: {
        PATH: process.env.PATH,
        RAW_REDIS_URL: options.redisUrl,
        RAW_QUEUE: options.queue,
        RAW_CONCURRENCY: String(options.concurrency),
        RAW_HANDLER: options.handler,
        RAW_DELAY_MS: String(options.delayMs),
        RAW_PROVIDER_URL: options.providerUrl,
        RAW_PROVIDER_KEY: options.providerKey,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`raw Bull worker exited with code ${code} before it was ready`)));
    });
    return new RawBullWorker(child);
  }

  get cpuSeconds(): number {
    return processCpuSeconds(this.child.pid!);
  }

  /** Lets the running jobs finish, then waits for the process to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await exited;
  }
}
