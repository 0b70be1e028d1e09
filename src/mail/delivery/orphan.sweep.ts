import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../config/config.module';
import { RedisConnection } from '../../redis/redis.module';
import {
  DeliveryJob,
  EmailStatus,
  ErrorDetail,
  MAIL_QUEUE,
  MessageIndex,
  MessageMetrics,
  MessageStore,
} from '../messages/messages.module';

/** Index entries looked at per status and sweep: a long backlog is walked over several sweeps. */
const PER_SWEEP = 1000;
const WAITING: EmailStatus[] = ['scheduled', 'queued'];
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
  private readonly cursors = new Map<EmailStatus, string>(WAITING.map((status) => [status, '0']));
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<DeliveryJob>,
    private readonly index: MessageIndex,
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

  /** One step through each waiting status's index; returns how many orphans it failed. */
  async sweep(): Promise<number> {
    let failed = 0;
    for (const status of WAITING) {
      const { ids, next } = await this.index.scanStatus(status, this.cursors.get(status)!, PER_SWEEP);
      this.cursors.set(status, next);
      for (const id of await this.withoutJob(ids)) {
        if (!(await this.store.abandon(id, JOB_GONE))) continue;
        this.metrics.messageFailed('abandoned', JOB_GONE);
        failed += 1;
      }
    }
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
