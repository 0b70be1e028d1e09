import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { InboundController } from './inbound.controller';
import { SeenIdStore } from './seen-ids.store';

/** What providers report after sending (delivered, bounced, complained), through their event webhooks. */
@Module({
  imports: [MailModule],
  controllers: [InboundController],
  providers: [SeenIdStore],
})
export class FeedbackModule {}
