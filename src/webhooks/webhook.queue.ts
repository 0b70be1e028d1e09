import { registerQueue } from '../common/queue-lifecycle';
import { retryBackoff } from '../common/retry-backoff';
import { DELIVERY_TTL_SECONDS } from './webhook-delivery.store';

export const WEBHOOK_QUEUE = 'webhooks';

export interface WebhookJob {
  deliveryId: string;
}

/** Retries stop when a delivery is a day old; a failed job is kept as long as its delivery record. */
export const WEBHOOK_QUEUE_REGISTRATION = registerQueue(WEBHOOK_QUEUE, {
  backoff: 'webhook',
  retryDelay: (attemptsMade, _error, config) => retryBackoff(attemptsMade, config.webhooks?.retryBaseMs ?? 1000),
  attemptsCap: 1_000,
  keepFailedSeconds: () => DELIVERY_TTL_SECONDS,
});
