import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks.module';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';

/** The operators' view of outgoing webhooks: the latest deliveries with their attempts. */
@Module({
  imports: [WebhooksModule],
  controllers: [WebhookDeliveriesController],
})
export class WebhookDeliveriesModule {}
