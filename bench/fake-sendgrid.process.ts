import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const API_KEY = 'SG.bench-key';

export type FakeSendGridCommand = 'report' | 'reset';

/** What the fake did since its last reset. */
export interface FakeSendGridReport {
  /** Sends received (every one is answered 202 after the delay). */
  sends: number;
  /** Distinct mailroute ids among them: fewer than `sends` means a message was sent twice. */
  distinct: number;
  /** Share of one core the fake's process used (1 = a whole core). */
  cpuShare: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/**
 * test/support's FakeSendGrid, answering every send 202 after `delayMs`, run in a child process
 * (bench/fake-sendgrid.child.ts) and asked for its counts over IPC.
 */
export class FakeSendGridProcess {
  readonly apiKey = API_KEY;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(delayMs: number): Promise<FakeSendGridProcess> {
    const child = fork(join(__dirname, 'fake-sendgrid.child.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: { PATH: process.env.PATH, FAKE_DELAY_MS: String(delayMs), FAKE_API_KEY: API_KEY },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [first] = (await once(child, 'message')) as [{ url: string }];
    return new FakeSendGridProcess(child, first.url);
  }

  report(): Promise<FakeSendGridReport> {
    return this.ask('report');
  }

  /** Zeroes the counts, the CPU clock and the event-loop histogram: call it when a measured run starts. */
  async reset(): Promise<void> {
    await this.ask('reset');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await exited;
  }

  private async ask(command: FakeSendGridCommand): Promise<FakeSendGridReport> {
    const answer = once(this.child, 'message') as Promise<[FakeSendGridReport]>;
    this.child.send(command);
    return (await answer)[0];
  }
}
