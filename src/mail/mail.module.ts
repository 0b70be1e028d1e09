import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config.module';
import { RoutingModule } from '../routing/routing.module';
import { EmailsController } from './emails.controller';
import { MailProcessor, RoundFailedError } from './mail.processor';
import { stalledJobSettings } from '../common/queue-lifecycle';
import { retryDelay } from '../common/retry-delay';
import { MAIL_QUEUE } from './mail.queue';
import { MailMetrics } from './mail.metrics';
import { MailService } from './mail.service';
import { IdempotencyStore } from './idempotency.store';
import { EmailEventStream } from './email-event.stream';
import { MessageIndex } from './message.index';
import { MessageStore } from './message.store';
import { OrphanSweep } from './orphan.sweep';
import { ProviderFeedbackRecorder } from './provider-feedback.recorder';
import { SuppressionStore } from './suppression.store';
import { SuppressionsController } from './suppressions.controller';

const RETRY_BACKOFF = 'mailroute';
const BULL_ATTEMPTS_CAP = 10_000;

/** The processor says how long to wait; anything else it threw (a store failure) backs off by count. */
function roundDelay(attemptsMade: number, error: Error, config: AppConfig): number {
  return error instanceof RoundFailedError ? error.delayMs : retryDelay(attemptsMade, config.mail.retryBaseMs);
}

export { parseAddress } from './address';
export { EmailEventStream, StreamedEvent } from './email-event.stream';
export { EmailEvent } from './email-record';
export { MAIL_QUEUE } from './mail.queue';
export { ProviderFeedback, ProviderFeedbackRecorder } from './provider-feedback.recorder';

@Module({
  imports: [
    RoutingModule,
    BullModule.registerQueueAsync({
      name: MAIL_QUEUE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        settings: {
          ...stalledJobSettings(config.mail.jobLockMs),
          backoffStrategies: { [RETRY_BACKOFF]: (attemptsMade: number, error: Error) => roundDelay(attemptsMade, error, config) },
        },
        defaultJobOptions: {
          // The processor decides when a message has failed (MAIL_MAX_ATTEMPTS rounds that reached a
          // provider); Bull's count only stops a message that could never be handled at all.
          attempts: BULL_ATTEMPTS_CAP,
          backoff: { type: RETRY_BACKOFF },
          removeOnComplete: true,
          // Bull keys carry no expiry; a failed job is kept for the dashboard as long as its message
          // record, and at most the last 1,000 (Bull prunes when the next job fails).
          removeOnFail: { count: 1000, age: config.mail.retentionDays * 86_400 },
        },
      }),
    }),
  ],
  controllers: [EmailsController, SuppressionsController],
  providers: [
    MailService,
    MessageStore,
    MessageIndex,
    EmailEventStream,
    IdempotencyStore,
    SuppressionStore,
    ProviderFeedbackRecorder,
    MailProcessor,
    OrphanSweep,
    MailMetrics,
  ],
  exports: [EmailEventStream, ProviderFeedbackRecorder],
})
export class MailModule {}
