import { Module } from '@nestjs/common';
import { queueLifecycle } from '../common/queue-lifecycle';
import { WebhookDeliveryStore } from './webhook-delivery.store';
import { WEBHOOK_QUEUE, WEBHOOK_QUEUE_REGISTRATION } from './webhook.queue';

export { MAILROUTE_SIGNATURE_HEADER, verify as verifyMailrouteSignature } from './mailroute-signature';
export { signedHeaders } from './webhook-signature';
export { WEBHOOK_QUEUE, WebhookJob } from './webhook.queue';
export { WebhookDelivery, WebhookDeliveryStore } from './webhook-delivery.store';

/**
 * Outgoing webhooks: each email event becomes a signed delivery to WEBHOOK_URL, kept with its attempts,
 * and a job in the webhook queue. Shared by every process; the relay (workers) and the deliveries API
 * (API processes) are modules of their own below.
 */
@Module({
  imports: [WEBHOOK_QUEUE_REGISTRATION],
  providers: [WebhookDeliveryStore, queueLifecycle(WEBHOOK_QUEUE)],
  exports: [WEBHOOK_QUEUE_REGISTRATION, WebhookDeliveryStore],
})
export class WebhooksModule {}
