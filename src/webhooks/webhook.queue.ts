export const WEBHOOK_QUEUE = 'webhooks';

export interface WebhookJob {
  deliveryId: string;
}
