import { Module } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { MessagesModule } from '../messages/messages.module';
import { SuppressionsModule } from '../suppressions/suppressions.module';
import { EmailNormaliser } from './email.normaliser';
import { EmailsController } from './emails.controller';
import { IdempotencyStore } from './idempotency.store';
import { IntakeService } from './intake.service';
import { MessageWriter } from './message.writer';
import { SendingPolicy } from './sending.policy';

export { parseAddress } from './address';

/**
 * Accepting messages: `POST /v1/emails` and `/batch`, validated, checked, stored and queued in one step;
 * and `/v1/emails/{id}/resend`, a copy of a message the caller may read (ActivityModule).
 */
@Module({
  imports: [MessagesModule, SuppressionsModule, ActivityModule],
  controllers: [EmailsController],
  providers: [IntakeService, EmailNormaliser, SendingPolicy, IdempotencyStore, MessageWriter],
})
export class IntakeModule {}
