import { Module } from '@nestjs/common';
import { MessagesModule } from '../../mail/messages/messages.module';
import { WebhooksModule } from '../webhooks.module';
import { EventRelay } from './event-relay.service';
import { WebhookProcessor } from './webhook.processor';

/** Sending webhooks, in worker processes: email events become deliveries, and deliveries are posted. */
@Module({
  imports: [WebhooksModule, MessagesModule],
  providers: [EventRelay, WebhookProcessor],
})
export class WebhookRelayModule {}
