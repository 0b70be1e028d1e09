import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { SuppressionsModule } from '../suppressions/suppressions.module';
import { EmailNormaliser } from './email.normaliser';
import { EmailsController } from './emails.controller';
import { IdempotencyStore } from './idempotency.store';
import { IntakeService } from './intake.service';
import { MessageWriter } from './message.writer';
import { SendingPolicy } from './sending.policy';

export { parseAddress } from './address';

/** Accepting messages: `POST /v1/emails` and `/batch`, validated, checked, stored and queued in one step. */
@Module({
  imports: [MessagesModule, SuppressionsModule],
  controllers: [EmailsController],
  providers: [IntakeService, EmailNormaliser, SendingPolicy, IdempotencyStore, MessageWriter],
})
export class IntakeModule {}
