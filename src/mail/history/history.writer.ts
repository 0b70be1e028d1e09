import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HistoryStore } from '../../database/database.module';
import { EmailEventStream, HistoryOutbox, StreamedEvent, isFinal } from '../messages/messages.module';
import { HistoryMetrics } from './history.metrics';

const GROUP = 'history';
const BATCH = 500;
/** The stream moves a final message within moments; the sweep takes those it did not (see sweep()). */
const SWEEP_GRACE_MS = 1_000;
const SWEEP_INTERVAL_MS = 500;

/**
 * Moves messages' history from Redis to PostgreSQL. It follows the event stream (consumer group
 * `history`) and writes each touched message as Redis has it now, in batches, so that PostgreSQL knows
 * messages in flight too; a final message whose final state PostgreSQL holds leaves Redis. Every write is
 * of whole snapshots and idempotent, so a replayed or a lost stream entry changes nothing: a sweep of
 * the final messages still in Redis catches what the stream missed (entries trimmed in a long
 * PostgreSQL outage, a worker killed between writing and removing). While PostgreSQL is down it waits
 * and catches up: what has not moved stays in Redis.
 */
@Injectable()
export class HistoryWriter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HistoryWriter.name);
  private stopped = false;
  private wake?: () => void;
  private running: Promise<void>[] = [];

  constructor(
    private readonly stream: EmailEventStream,
    private readonly outbox: HistoryOutbox,
    private readonly history: HistoryStore,
    private readonly metrics: HistoryMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.running = [this.stream.consume(GROUP, (events) => this.followed(events), () => this.stopped), this.sweepUntilStopped()];
  }

  /** Before any connection closes: a write under way finishes, where a closed Redis would hold it forever. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await Promise.all(this.running);
  }

  /** Writes the messages as Redis holds them now, then removes the final ones from Redis. */
  async move(ids: string[]): Promise<void> {
    const snapshots = await this.outbox.snapshots(ids);
    if (snapshots.length === 0) return;
    await this.history.write(snapshots);
    const released = await this.outbox.release(snapshots.filter(({ record }) => isFinal(record.status)));
    for (const { record } of released) this.metrics.moved(record.updatedAt);
  }

  /**
   * One round of what the stream cannot do: final messages it missed, late events, trimming the
   * stream of what every group has handled. True when a full batch was found, so more may wait.
   */
  async sweep(): Promise<boolean> {
    const finished = await this.outbox.finishedBefore(Date.now() - SWEEP_GRACE_MS, BATCH);
    await this.move(finished);
    const late = await this.moveLateEvents();
    await this.stream.trimHandled();
    return finished.length === BATCH || late === BATCH;
  }

  private followed(events: StreamedEvent[]): Promise<void> {
    return this.move([...new Set(events.map(({ emailId }) => emailId))]);
  }

  private async moveLateEvents(): Promise<number> {
    const late = await this.outbox.lateEvents(BATCH);
    if (late.length === 0) return 0;
    const unknown = await this.history.writeLateEvents(late.map(({ event }) => event));
    if (unknown.length > 0) this.logger.warn(`dropped ${unknown.length} late event(s) of messages PostgreSQL does not hold (unknown or expired)`);
    await this.outbox.removeLateEvents(late.map(({ entry }) => entry));
    return late.length;
  }

  private async sweepUntilStopped(): Promise<void> {
    while (!this.stopped) {
      const more = await this.sweep().catch((error: Error) => {
        this.logger.warn(`history sweep: ${error.message}; trying again`);
        return false;
      });
      if (!more) await this.pause(SWEEP_INTERVAL_MS);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
