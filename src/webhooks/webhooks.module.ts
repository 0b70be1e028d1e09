import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { stalledJobSettings } from '../common/queue-lifecycle';
import { retryDelay } from '../common/retry-delay';
import { AppConfig } from '../config/config.module';
import { MailModule } from '../mail/mail.module';
import { EventRelay } from './event-relay.service';
import { DELIVERY_TTL_SECONDS, WebhookDeliveryStore } from './webhook-delivery.store';
import { WebhookProcessor } from './webhook.processor';
import { WEBHOOK_QUEUE } from './webhook.queue';
import { WebhooksController } from './webhooks.controller';

export { verify as verifyWebhookSignature, SIGNATURE_HEADER } from './webhook-signature';
export { WEBHOOK_QUEUE } from './webhook.queue';

const BACKOFF = 'webhook';
/** Retries stop when a delivery is a day old; this only bounds a delivery that keeps failing fast. */
const ATTEMPTS_CAP = 1_000;

@Module({
  imports: [
    MailModule,
    BullModule.registerQueueAsync({
      name: WEBHOOK_QUEUE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        settings: {
          ...stalledJobSettings(config.mail.jobLockMs),
          backoffStrategies: {
            [BACKOFF]: (attemptsMade: number) => retryDelay(attemptsMade, config.webhooks?.retryBaseMs ?? 1000),
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
    }),
  ],
  controllers: [WebhooksController],
  providers: [WebhookDeliveryStore, EventRelay, WebhookProcessor],
})
export class WebhooksModule {}
