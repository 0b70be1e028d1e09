import { BullModule } from '@nestjs/bull';
import { stalledJobSettings } from '../../common/queue-lifecycle';
import { AppConfig } from '../../config/config.module';

export const MAIL_QUEUE = 'mail';

/** Jobs carry only the id: the message lives in the store, so every retry sends what was stored. */
export interface DeliveryJob {
  id: string;
}

/** Thrown by the worker to have Bull run the job again after `delayMs`, which the worker chose. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/**
 * Ends the job of a message that failed as a failed job, with the message's error as its reason, so that
 * Bull's counts and the queue dashboard say what happened to it; the job is discarded first, so that Bull
 * does not retry it.
 */
export class MessageFailedError extends Error {
  override readonly name = 'MessageFailedError';
}

const RETRY_LATER = 'retry-later';
/** The worker decides when a message has failed; this cap only stops a job that could never be handled. */
const BULL_ATTEMPTS_CAP = 10_000;

/**
 * The queue between accepting and delivering. Bull only carries out the worker's decisions: the retry
 * delay travels on the RetryLaterError the worker throws.
 */
export const MAIL_QUEUE_REGISTRATION = BullModule.registerQueueAsync({
  name: MAIL_QUEUE,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => ({
    settings: {
      ...stalledJobSettings(config.mail.jobLockMs),
      backoffStrategies: { [RETRY_LATER]: (_attemptsMade: number, error: Error) => (error as RetryLaterError).delayMs },
    },
    defaultJobOptions: {
      attempts: BULL_ATTEMPTS_CAP,
      backoff: { type: RETRY_LATER },
      removeOnComplete: true,
      // Bull keys carry no expiry; a failed job is kept for the dashboard as long as its message record,
      // and at most the last 1,000 (Bull prunes when the next job fails).
      removeOnFail: { count: 1000, age: config.mail.retentionDays * 86_400 },
    },
  }),
});
