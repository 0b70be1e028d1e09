import { registerQueue } from '../../common/queue-lifecycle';

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

/**
 * The queue between accepting and delivering. Bull only carries out the worker's decisions: the retry
 * delay travels on the RetryLaterError the worker throws, and the worker decides when a message has
 * failed. A failed job is kept as long as its message record.
 */
export const MAIL_QUEUE_REGISTRATION = registerQueue(MAIL_QUEUE, {
  backoff: 'mailroute',
  retryDelay: (_attemptsMade, error) => (error as RetryLaterError).delayMs,
  attemptsCap: 10_000,
  keepFailedSeconds: (config) => config.mail.retentionDays * 86_400,
});
