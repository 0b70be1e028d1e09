import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { InboundController } from './inbound.controller';

/** What providers report after sending (delivered, bounced, complained), through their event webhooks. */
@Module({
  imports: [MailModule],
  controllers: [InboundController],
})
export class FeedbackModule {}
