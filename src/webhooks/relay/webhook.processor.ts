import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '../../config/config.module';
import { WEBHOOK_QUEUE, WebhookDeliveryStore, WebhookJob, signedHeaders } from '../webhooks.module';

/** Receivers get this long to answer each delivery. */
const REQUEST_TIMEOUT_MS = 10_000;
/** A delivery is retried for a day, then given up as failed. */
const GIVE_UP_AFTER_MS = 24 * 3_600_000;

/**
 * Posts each delivery, signed (webhook-signature.ts); a non-2xx answer or no answer throws, and Bull retries with backoff.
 * Redirects are not followed: the signed payload goes to WEBHOOK_URL and nowhere else, whatever the
 * receiver answers. A 3xx fails the delivery at once: the same URL would only redirect again, and the
 * operator has to fix WEBHOOK_URL.
 */
@Injectable()
export class WebhookProcessor implements OnModuleInit {
  private readonly logger = new Logger(WebhookProcessor.name);

  constructor(
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookJob>,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.webhooks) return;
    this.queue.process(5, (job: Job<WebhookJob>) => this.deliver(job)).catch((error: Error) =>
      this.logger.error(`webhook worker stopped: ${error.message}`),
    );
  }

  async deliver(job: Job<WebhookJob>): Promise<void> {
    const webhooks = this.config.webhooks!;
    const delivery = await this.deliveries.find(job.data.deliveryId);
    if (!delivery || delivery.status !== 'pending') return;
    const at = new Date().toISOString();
    const answer = await fetch(webhooks.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(delivery, webhooks) },
      body: delivery.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    }).then(
      (response) => ({ status: response.status }),
      (error: Error) => ({ error: error.message }),
    );
    if ('status' in answer && answer.status >= 200 && answer.status < 300) {
      return this.deliveries.recordAttempt(delivery.id, { at, status: answer.status }, 'delivered');
    }
    if ('status' in answer && isRedirect(answer.status)) {
      const error = 'redirect not followed: set WEBHOOK_URL to the address the receiver redirects to';
      return this.deliveries.recordAttempt(delivery.id, { at, status: answer.status, error }, 'failed');
    }
    const expired = Date.now() - Date.parse(delivery.createdAt) > GIVE_UP_AFTER_MS;
    await this.deliveries.recordAttempt(delivery.id, { at, ...answer }, expired ? 'failed' : 'pending');
    if (!expired) throw new Error(`webhook answered ${'status' in answer ? answer.status : answer.error}`);
  }
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}
