import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../config/config.module';
import { RedisConnection } from '../../redis/redis.module';
import { DeliveryJob, ErrorDetail, MAIL_QUEUE, MessageMetrics, MessageStore } from '../messages/messages.module';

/** Messages in flight looked at per sweep: a long backlog is walked over several sweeps. */
const PER_SWEEP = 1000;
const JOB_GONE: ErrorDetail = {
  type: 'transient',
  message: 'delivery abandoned: its job was removed from the queue (e.g. in the queue dashboard) before it was sent',
};

/**
 * Finds messages still `scheduled` or `queued` whose Bull job is gone (an operator removed it in the
 * dashboard, or it was lost with Redis data) and fails them, so they do not wait forever. Failed rather
 * than queued again: removing a job is how an operator stops a message, which a new job would undo;
 * failing it tells the sender, who can send it again. A message and its job are created in one MULTI and
 * the job goes only after the message has left these statuses, so a waiting message without a job is
 * an orphan, never one caught mid-way.
 */
@Injectable()
export class OrphanSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrphanSweep.name);
  private cursor = '0';
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<DeliveryJob>,
    private readonly store: MessageStore,
    private readonly redis: RedisConnection,
    private readonly metrics: MessageMetrics,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const sweepLogged = () => void this.sweep().catch((error: Error) => this.logger.warn(`sweep: ${error.message}`));
    this.timer = setInterval(sweepLogged, this.config.mail.orphanSweepMs);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * One step through the messages in flight; returns how many orphans it failed. abandon() takes only a
   * `scheduled` or `queued` message: one sending or done is left alone.
   */
  async sweep(): Promise<number> {
    const { ids, next } = await this.store.inFlight(this.cursor, PER_SWEEP);
    this.cursor = next;
    let failed = 0;
    const gone: string[] = [];
    for (const id of await this.withoutJob(ids)) {
      const previous = await this.store.abandon(id, JOB_GONE);
      if (previous === undefined) gone.push(id);
      if (previous !== 'queued' && previous !== 'scheduled') continue;
      this.metrics.messageFailed('abandoned', JOB_GONE);
      failed += 1;
    }
    await this.store.forgetInFlight(gone);
    if (failed > 0) this.logger.warn(`failed ${failed} waiting message(s) whose job was gone`);
    return failed;
  }

  private async withoutJob(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.client.pipeline();
    for (const id of ids) pipeline.exists(this.queue.toKey(id));
    const results = (await pipeline.exec()) ?? [];
    return ids.filter((_, i) => results[i]?.[1] === 0);
  }
}
