import { Module } from '@nestjs/common';
import { SuppressionsModule } from '../mail/suppressions/suppressions.module';
import { InboundController } from './inbound.controller';
import { SeenIdStore } from './seen-ids.store';

/** What providers report after sending (delivered, bounced, complained), through their event webhooks. */
@Module({
  imports: [SuppressionsModule],
  controllers: [InboundController],
  providers: [SeenIdStore],
})
export class FeedbackModule {}
