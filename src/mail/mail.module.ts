import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config.module';
import { ProvidersModule } from '../providers/providers.module';
import { EmailsController } from './emails.controller';
import { MailProcessor } from './mail.processor';
import { MAIL_QUEUE } from './mail.queue';
import { MailService } from './mail.service';
import { MessageStore } from './message.store';

@Module({
  imports: [
    ProvidersModule,
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
