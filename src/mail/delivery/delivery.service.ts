import { Injectable, Logger } from '@nestjs/common';
import { retryBackoff } from '../../common/retry-backoff';
import { AppConfig } from '../../config/config.module';
import { ProviderRouter } from '../../routing/routing.module';
import { Attempt, ErrorDetail, FailureReason, MessageMetrics, MessageStore } from '../messages/messages.module';
import { deliverWithFailover } from './failover.policy';

/** How a round ended for the queue: nothing more to do, try again after `delayMs`, or failed for good. */
export type Verdict =
  | { kind: 'done' }
  | { kind: 'retry'; delayMs: number; reason: string }
  | { kind: 'failed'; error: ErrorDetail };

/**
 * Owns a delivery round: asks routing for the providers in order, tries them with failover (a transient
 * error moves on to the next provider, a permanent one fails the message), records every attempt, and
 * decides what comes next: sent, failed (a permanent refusal, or MAIL_MAX_ATTEMPTS rounds that reached a
 * provider), or another round after a backoff delay. Rounds count only when a provider was called:
 * waiting for a paused or broken provider is free.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    private readonly store: MessageStore,
    private readonly router: ProviderRouter,
    private readonly metrics: MessageMetrics,
    private readonly config: AppConfig,
  ) {}

  async deliver(id: string): Promise<Verdict> {
    const [claimed, routes] = await Promise.all([this.store.claim(id), this.router.routes()]);
    // A message cancelled, finished or expired meanwhile is left as it is.
    if (!claimed) return { kind: 'done' };

    const round = new Set(claimed.record.attempts.map((attempt) => attempt.round)).size + 1;
    const outcome = await deliverWithFailover(claimed.email, routes, round, (attempt) => this.recordAttempt(id, attempt));
    if (outcome.kind === 'sent') {
      await this.store.markSent(id, outcome.attempt);
      this.reportAttempt(id, outcome.attempt);
      this.metrics.messageSent(outcome.provider);
      return { kind: 'done' };
    }
    if (outcome.kind === 'rejected') return this.fail(id, 'rejected', outcome.error, outcome.provider);
    const { maxAttempts, retryBaseMs } = this.config.mail;
    if (outcome.tried > 0 && round >= maxAttempts) return this.fail(id, 'exhausted', outcome.error, outcome.lastProvider);
    const delayMs = outcome.tried > 0 ? retryBackoff(round, retryBaseMs) : (outcome.waitMs ?? retryBaseMs);
    await this.store.requeue(id, `next round in ${delayMs} ms: ${outcome.error.message}`);
    return { kind: 'retry', delayMs, reason: `round ${round}: no provider accepted the message: ${outcome.error.message}` };
  }

  /** When the round itself broke (the store failed), the job runs again, backing off by its failures. */
  afterBrokenRound(failures: number, error: Error): Verdict {
    return { kind: 'retry', delayMs: retryBackoff(failures, this.config.mail.retryBaseMs), reason: error.message };
  }

  /** The queue gave up on the message's job (its workers kept dying): the message fails with that reason. */
  async abandon(id: string, reason: string): Promise<void> {
    await this.fail(id, 'abandoned', { type: 'transient', message: `delivery abandoned: ${reason}` });
  }

  private async fail(id: string, reason: FailureReason, error: ErrorDetail, provider?: string): Promise<Verdict> {
    await this.store.markFailed(id, error);
    this.metrics.messageFailed(reason, error, provider);
    return { kind: 'failed', error };
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
}
