import { Module } from '@nestjs/common';
import { DatabaseModule } from '../../database/database.module';
import { MessagesModule } from '../messages/messages.module';
import { ActivityService } from './activity.service';
import { MessagesController } from './messages.controller';

/**
 * Reading messages as their senders see them (one, a list, its events: from Redis while in flight, from
 * PostgreSQL after) and cancelling one.
 */
@Module({
  imports: [MessagesModule, DatabaseModule],
  controllers: [MessagesController],
  providers: [ActivityService],
})
export class ActivityModule {}
