/**
 * The fake SendGrid of the delivery benchmarks, in a process of its own (started by
 * FakeSendGridProcess): at thousands of sends a second it needs a good part of a core (a third at
 * 5,000/s on the 2-core development machine), which it must not take from the bench's own event loop;
 * its CPU use and event-loop delay show whether it, rather than the workers, is what limits a run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FakeSendGrid } from '../test/support/fake-sendgrid.server';
import type { FakeSendGridCommand, FakeSendGridReport } from './fake-sendgrid.process';

const DELAY_MS = Number(process.env.FAKE_DELAY_MS ?? 20);
const API_KEY = process.env.FAKE_API_KEY!;

/** What the fake received since the last reset, kept as counts: a whole run's bodies would fill the heap. */
class Tally {
  sends = 0;
  readonly ids = new Set<string>();
  private cpu = process.cpuUsage();
  private startedAt = performance.now();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly fake: FakeSendGrid) {
    this.loopDelay.enable();
  }

  /** Moves what the fake recorded into the counts. */
  absorb(): void {
    for (const { body } of this.fake.received) {
      this.sends += 1;
      this.ids.add(String((body as { custom_args?: { mailroute_id?: string } } | undefined)?.custom_args?.mailroute_id));
    }
    this.fake.received.length = 0;
  }

  report(): FakeSendGridReport {
    this.absorb();
    const wallMs = performance.now() - this.startedAt;
    const { user, system } = process.cpuUsage(this.cpu);
    return {
      sends: this.sends,
      distinct: this.ids.size,
      cpuShare: (user + system) / 1000 / wallMs,
      loopDelayP99Ms: this.loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: this.loopDelay.max / 1e6,
    };
  }

  reset(): void {
    this.fake.received.length = 0;
    this.sends = 0;
    this.ids.clear();
    this.cpu = process.cpuUsage();
    this.startedAt = performance.now();
    this.loopDelay.reset();
  }
}

async function main(): Promise<void> {
  const fake = await FakeSendGrid.start({ apiKey: API_KEY });
  fake.answerAlways({ delayMs: DELAY_MS });
  const tally = new Tally(fake);
  // Bodies are parsed and kept by the fake until absorbed; a second's worth is a few MB.
  setInterval(() => tally.absorb(), 1000).unref();
  process.on('message', (command: FakeSendGridCommand) => {
    if (command === 'reset') tally.reset();
    process.send!({ url: fake.url, ...tally.report() });
  });
  process.on('disconnect', () => void fake.close().finally(() => process.exit(0)));
  process.send!({ url: fake.url, ...tally.report() });
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
