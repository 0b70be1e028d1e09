import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '../../config/config.module';
import { DeliveryJob, MAIL_QUEUE, MessageFailedError, RetryLaterError } from '../messages/messages.module';
import { DeliveryService, Verdict } from './delivery.service';

/**
 * The Bull worker for the mail queue, the entry of delivery: each job is one round of DeliveryService,
 * whose verdict it carries out in Bull's terms. Registered with `queue.process` rather than `@Process`
 * because its concurrency comes from configuration, which a decorator argument cannot read.
 */
@Injectable()
export class MailProcessor implements OnModuleInit {
  private readonly logger = new Logger(MailProcessor.name);

  constructor(
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<DeliveryJob>,
    private readonly delivery: DeliveryService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.queue.on('failed', (job: Job<DeliveryJob>, error: Error) => void this.onJobFailed(job, error));
    this.queue
      .process(this.config.mail.concurrency, (job: Job<DeliveryJob>) => this.process(job))
      .catch((error: Error) => this.logger.error(`mail worker stopped: ${error.message}`));
  }

  async process(job: Job<DeliveryJob>): Promise<void> {
    const verdict: Verdict = await this.delivery
      .deliver(job.data.id)
      .catch((error: Error) => this.delivery.afterBrokenRound(job.attemptsMade + 1, error));
    if (verdict.kind === 'done') return;
    if (verdict.kind === 'retry') throw new RetryLaterError(verdict.reason, verdict.delayMs);
    await job.discard();
    throw new MessageFailedError(verdict.error.message);
  }

  /**
   * Bull itself gives up on a job that stalled too often (its workers kept dying) or that used up every
   * Bull attempt; the message is then failed with that reason rather than left looking in progress.
   */
  private async onJobFailed(job: Job<DeliveryJob>, error: Error): Promise<void> {
    if (!job.finishedOn || error instanceof MessageFailedError) return;
    await this.delivery
      .abandon(job.data.id, error.message)
      .catch((storeError: Error) => this.logger.error(`message ${job.data.id} left unfinished: ${storeError.message}`));
  }
}
