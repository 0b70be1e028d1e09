import { Progress } from './progress';

export interface Fault {
  /** Due once the clients have issued this many messages. */
  at: number;
  name: string;
  run: () => Promise<void>;
}

/** One fault as it happened. */
export interface FaultRecord {
  name: string;
  /** Messages issued when it started (at least its mark; more when the lane was busy or it ran late). */
  issued: number;
  startedAt: number;
  endedAt: number;
}

/**
 * Runs faults at points of the traffic. Faults in one lane run one after another, each once the traffic
 * reached its mark and the one before it is over; lanes run side by side, so that a provider outage
 * overlaps worker kills. A fault that fails aborts the run: the clients stop and nothing else starts.
 */
export class FaultSchedule {
  readonly log: FaultRecord[] = [];

  constructor(
    private readonly progress: Progress,
    private readonly lanes: Fault[][],
  ) {}

  async run(): Promise<void> {
    const outcomes = await Promise.allSettled(this.lanes.map((lane) => this.runLane(lane)));
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }

  count(name: string): number {
    return this.log.filter((record) => record.name === name).length;
  }

  private async runLane(lane: Fault[]): Promise<void> {
    for (const fault of [...lane].sort((a, b) => a.at - b.at)) {
      if (!(await this.progress.reach('issued', fault.at))) return;
      const startedAt = Date.now();
      const issued = this.progress.value('issued');
      try {
        await fault.run();
      } catch (error) {
        this.progress.abort();
        throw new Error(`fault "${fault.name}" at ${issued} messages failed: ${(error as Error).message}`, { cause: error });
      }
      this.log.push({ name: fault.name, issued, startedAt, endedAt: Date.now() });
    }
  }
}
