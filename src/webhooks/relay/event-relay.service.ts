import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../config/config.module';
import { EmailEventStream, StreamedEvent } from '../../mail/messages/messages.module';
import { WEBHOOK_QUEUE, WebhookDeliveryStore, WebhookJob } from '../webhooks.module';

const GROUP = 'webhooks';

/**
 * Turns each email event from the stream into a webhook delivery and its job, while webhooks are
 * configured (WEBHOOK_URL). The event is acknowledged only once both exist, so an event is never dropped
 * between the two. With webhooks off, the group goes, so that it does not hold events in the stream.
 */
@Injectable()
export class EventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly stream: EmailEventStream,
    private readonly deliveries: WebhookDeliveryStore,
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookJob>,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: start-up must not wait for a Redis that is away.
    if (!this.config.webhooks) return void this.stream.dropGroup(GROUP);
    this.running = this.stream.consume(GROUP, (events) => this.relayAll(events), () => this.stopped);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async relayAll(events: StreamedEvent[]): Promise<void> {
    for (const event of events) await this.relay(event);
  }

  private async relay({ emailId, event }: StreamedEvent): Promise<void> {
    const type = `email.${event.type}`;
    const delivery = await this.deliveries.create(type, emailId, (id, createdAt) =>
      JSON.stringify({ id, type, createdAt, data: { emailId, ...event } }),
    );
    await this.queue.add({ deliveryId: delivery.id }, { jobId: delivery.id });
  }
}
