import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '../config/config.module';
import { ProviderRouter } from '../routing/routing.module';
import { deliverWithFailover } from './failover.policy';
import { closeQueue, takeOverShutdown } from '../common/queue-lifecycle';
import { retryDelay } from '../common/retry-delay';
import { DeliveryJob, MAIL_QUEUE } from './mail.queue';
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
  ) {}

  onModuleInit(): void {
    takeOverShutdown(this.queue);
    this.queue.on('error', (error) => this.logger.warn(`mail queue: ${error.message}`));
    this.queue
      .process(this.config.mail.concurrency, (job: Job<DeliveryJob>) => this.deliver(job))
      .catch((error: Error) => this.logger.error(`mail worker stopped: ${error.message}`));
  }

  /** In-flight sends may finish, up to SHUTDOWN_TIMEOUT_MS. */
  async beforeApplicationShutdown(): Promise<void> {
    await closeQueue(this.queue, this.config.shutdownTimeoutMs, this.logger);
  }

  async deliver(job: Job<DeliveryJob>): Promise<void> {
    const { id } = job.data;
    const record = await this.store.find(id);
    // A message cancelled, finished or expired meanwhile is left as it is.
    if (!record || !(await this.store.claim(id))) return;

    // Rounds count only when a provider was called: waiting for a paused or broken provider is free.
    const round = new Set(record.attempts.map((attempt) => attempt.round)).size + 1;
    const routes = await this.router.routes();
    const email = await this.store.emailForSending(record);
    const outcome = await deliverWithFailover(email, routes, round, (attempt) =>
      this.store.recordAttempt(id, attempt),
    );
    if (outcome.kind === 'sent') return this.store.markSent(id, outcome.provider, outcome.providerMessageId);
    const { maxAttempts, retryBaseMs } = this.config.mail;
    if (outcome.kind === 'rejected' || (outcome.tried > 0 && round >= maxAttempts)) {
      return this.store.markFailed(id, outcome.error);
    }
    const delayMs = outcome.tried > 0 ? retryDelay(round, retryBaseMs) : (outcome.waitMs ?? retryBaseMs);
    await this.store.requeue(id, `next round in ${delayMs} ms: ${outcome.error.message}`);
    throw new RoundFailedError(`round ${round}: no provider accepted the message: ${outcome.error.message}`, delayMs);
  }
}
