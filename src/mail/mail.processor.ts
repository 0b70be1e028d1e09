import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig, processesJobs } from '../config/config.module';
import { ProviderRouter } from '../routing/routing.module';
import { deliverWithFailover } from './failover.policy';
import { closeQueue, takeOverShutdown } from '../common/queue-lifecycle';
import { retryDelay } from '../common/retry-delay';
import { DeliveryJob, MAIL_QUEUE } from './mail.queue';
import { Attempt, ErrorDetail } from './email-record';
import { FailureReason, MailMetrics } from './mail.metrics';
import { MessageStore } from './message.store';

/** Raised to hand a message back to Bull for another round, after `delayMs`. */
export class RoundFailedError extends Error {
  override readonly name = 'RoundFailedError';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/**
 * Ends the job of a message that failed as a failed job, with the message's error as its reason, so that
 * Bull's counts and the queue dashboard say what happened to it; discarded first, so Bull does not retry.
 */
export class MessageFailedError extends Error {
  override readonly name = 'MessageFailedError';
}

/**
 * The Bull worker for the mail queue: each job is one delivery round through the providers in priority
 * order. Registered with `queue.process` rather than `@Process` because its concurrency comes from
 * configuration, which a decorator argument cannot read.
 */
@Injectable()
export class MailProcessor implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(MailProcessor.name);

  constructor(
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<DeliveryJob>,
    private readonly store: MessageStore,
    private readonly router: ProviderRouter,
    private readonly config: AppConfig,
    private readonly metrics: MailMetrics,
  ) {}

  onModuleInit(): void {
    takeOverShutdown(this.queue);
    // In every role: an 'error' event without a listener would be thrown, with ioredis' command (a
    // password, for AUTH) attached.
    this.queue.on('error', (error) => this.logger.warn(`mail queue: ${error.message}`));
    if (!processesJobs(this.config.role)) return;
    this.queue.on('failed', (job: Job<DeliveryJob>, error: Error) => this.onJobFailed(job, error));
    this.queue
      .process(this.config.mail.concurrency, (job: Job<DeliveryJob>) => this.deliver(job))
      .catch((error: Error) => this.logger.error(`mail worker stopped: ${error.message}`));
  }

  /** In-flight sends may finish, up to SHUTDOWN_TIMEOUT_MS. */
  async beforeApplicationShutdown(): Promise<void> {
    await closeQueue(this.queue, this.config.shutdownTimeoutMs, this.logger);
  }

  /**
   * Bull itself gives up on a job that stalled too often (its workers kept dying) or that used up every
   * Bull attempt; the message is then failed with that reason rather than left looking in progress.
   */
  private async onJobFailed(job: Job<DeliveryJob>, error: Error): Promise<void> {
    if (!job.finishedOn || error instanceof MessageFailedError) return;
    await this.fail(job.data.id, 'abandoned', { type: 'transient', message: `delivery abandoned: ${error.message}` }).catch(
      (storeError: Error) => this.logger.error(`message ${job.data.id} left unfinished: ${storeError.message}`),
    );
  }

  async deliver(job: Job<DeliveryJob>): Promise<void> {
    const { id } = job.data;
    const [claimed, routes] = await Promise.all([this.store.claim(id), this.router.routes()]);
    // A message cancelled, finished or expired meanwhile is left as it is.
    if (!claimed) return;

    const { record, email } = claimed;
    // Rounds count only when a provider was called: waiting for a paused or broken provider is free.
    const round = new Set(record.attempts.map((attempt) => attempt.round)).size + 1;
    const outcome = await deliverWithFailover(email, routes, round, (attempt) => this.recordAttempt(id, attempt));
    if (outcome.kind === 'sent') {
      await this.store.markSent(id, outcome.attempt);
      this.reportAttempt(id, outcome.attempt);
      return this.metrics.messageSent(outcome.provider);
    }
    if (outcome.kind === 'rejected') return this.failJob(job, 'rejected', outcome.error, outcome.provider);
    const { maxAttempts, retryBaseMs } = this.config.mail;
    if (outcome.tried > 0 && round >= maxAttempts) return this.failJob(job, 'exhausted', outcome.error, outcome.lastProvider);
    const delayMs = outcome.tried > 0 ? retryDelay(round, retryBaseMs) : (outcome.waitMs ?? retryBaseMs);
    await this.store.requeue(id, `next round in ${delayMs} ms: ${outcome.error.message}`);
    throw new RoundFailedError(`round ${round}: no provider accepted the message: ${outcome.error.message}`, delayMs);
  }

  private async recordAttempt(emailId: string, attempt: Attempt): Promise<void> {
    await this.store.recordAttempt(emailId, attempt);
    this.reportAttempt(emailId, attempt);
  }

  /** One log line per call to a provider, with the message id, once the attempt is stored. */
  private reportAttempt(emailId: string, attempt: Attempt): void {
    this.metrics.attempt(attempt);
    const { provider, round, outcome, durationMs, providerMessageId, error } = attempt;
    const line = { emailId, provider, round, outcome, durationMs, providerMessageId, error };
    if (outcome === 'sent') this.logger.log(line, 'send attempt');
    else this.logger.warn(line, 'send attempt');
  }

  private async failJob(job: Job<DeliveryJob>, reason: FailureReason, error: ErrorDetail, provider?: string): Promise<never> {
    await this.fail(job.data.id, reason, error, provider);
    await job.discard();
    throw new MessageFailedError(error.message);
  }

  private async fail(emailId: string, reason: FailureReason, error: ErrorDetail, provider?: string): Promise<void> {
    await this.store.markFailed(emailId, error);
    this.metrics.messageFailed(reason, error, provider);
  }
}
