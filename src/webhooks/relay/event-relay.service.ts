import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bull';
import { EmailEventStream, StreamedEvent } from '../../mail/messages/messages.module';
import { WEBHOOK_QUEUE, WebhookDeliveryStore, WebhookJob } from '../webhooks.module';

const GROUP = 'webhooks';

/**
 * Turns each email event from the stream into a webhook delivery and its job. The event is
 * acknowledged only once both exist, so an event is never dropped between the two.
 */
@Injectable()
export class EventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private readonly stream: EmailEventStream,
    private readonly deliveries: WebhookDeliveryStore,
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookJob>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.stream.enabled) return;
    this.running = this.stream.consume(GROUP, (event) => this.relay(event), () => this.stopped);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async relay({ emailId, event }: StreamedEvent): Promise<void> {
    const type = `email.${event.type}`;
    const delivery = await this.deliveries.create(type, emailId, (id, createdAt) =>
      JSON.stringify({ id, type, createdAt, data: { emailId, ...event } }),
    );
    await this.queue.add({ deliveryId: delivery.id }, { jobId: delivery.id });
  }
}
