import { BullModule } from '@nestjs/bull';
import { stalledJobSettings } from '../common/queue-lifecycle';
import { retryBackoff } from '../common/retry-backoff';
import { AppConfig } from '../config/config.module';
import { DELIVERY_TTL_SECONDS } from './webhook-delivery.store';

export const WEBHOOK_QUEUE = 'webhooks';

export interface WebhookJob {
  deliveryId: string;
}

const BACKOFF = 'webhook';
/** Retries stop when a delivery is a day old; this only bounds a delivery that keeps failing fast. */
const ATTEMPTS_CAP = 1_000;

export const WEBHOOK_QUEUE_REGISTRATION = BullModule.registerQueueAsync({
  name: WEBHOOK_QUEUE,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => ({
    settings: {
      ...stalledJobSettings(config.mail.jobLockMs),
      backoffStrategies: {
        [BACKOFF]: (attemptsMade: number) => retryBackoff(attemptsMade, config.webhooks?.retryBaseMs ?? 1000),
      },
    },
    defaultJobOptions: {
      attempts: ATTEMPTS_CAP,
      backoff: { type: BACKOFF },
      removeOnComplete: true,
      // As long as the delivery record it stands for, and at most the last 1,000.
      removeOnFail: { count: 1000, age: DELIVERY_TTL_SECONDS },
    },
  }),
});
