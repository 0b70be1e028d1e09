import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config.module';
import { RoutingModule } from '../routing/routing.module';
import { EmailsController } from './emails.controller';
import { MailProcessor } from './mail.processor';
import { MAIL_QUEUE } from './mail.queue';
import { MailService } from './mail.service';
import { MessageStore } from './message.store';

@Module({
  imports: [
    RoutingModule,
    BullModule.registerQueueAsync({
      name: MAIL_QUEUE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        defaultJobOptions: {
          attempts: config.mail.maxAttempts,
          backoff: { type: 'exponential', delay: config.mail.retryBaseMs },
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      }),
    }),
  ],
  controllers: [EmailsController],
  providers: [MailService, MessageStore, MailProcessor],
})
export class MailModule {}
