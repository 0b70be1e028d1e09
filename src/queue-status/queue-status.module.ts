import { Module } from '@nestjs/common';
import { MessagesModule } from '../mail/messages/messages.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { QueueDepthReader } from './queue-depth.reader';
import { QueueController } from './queue.controller';

/** The operators' API over the Bull queues: their depth by state, and the way to their dashboard. */
@Module({
  imports: [MessagesModule, WebhooksModule],
  controllers: [QueueController],
  providers: [QueueDepthReader],
})
export class QueueStatusModule {}
