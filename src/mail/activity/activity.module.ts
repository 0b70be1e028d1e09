import { Module } from '@nestjs/common';
import { DatabaseModule } from '../../database/database.module';
import { MessagesModule } from '../messages/messages.module';
import { ActivityService } from './activity.service';
import { MessagesController } from './messages.controller';

export { ActivityService, CONTENT_GONE, EmailContent } from './activity.service';
export { ApiEmailId, EMAIL_ID } from './email-id.param';

/**
 * Reading messages as their senders see them (one, a list, its events: from Redis while in flight, from
 * PostgreSQL after) and cancelling one.
 */
@Module({
  imports: [MessagesModule, DatabaseModule],
  controllers: [MessagesController],
  providers: [ActivityService],
  exports: [ActivityService],
})
export class ActivityModule {}
