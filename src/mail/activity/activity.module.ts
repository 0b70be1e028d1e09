import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { ActivityService } from './activity.service';
import { MessagesController } from './messages.controller';

/** Reading messages as their senders see them (one, a list, its events) and cancelling one. */
@Module({
  imports: [MessagesModule],
  controllers: [MessagesController],
  providers: [ActivityService],
})
export class ActivityModule {}
