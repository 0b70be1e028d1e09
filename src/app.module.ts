import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import { FeedbackModule } from './feedback/feedback.module';
import { HealthModule } from './health/health.module';
import { MailModule } from './mail/mail.module';
import { RedisConnection, RedisModule } from './redis/redis.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    ConfigModule,
    RedisModule,
    BullModule.forRootAsync({
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) => ({ redis: redis.url, prefix: 'mailroute' }),
    }),
    AuthModule,
    MailModule,
    HealthModule,
    WebhooksModule,
    FeedbackModule,
  ],
})
export class AppModule {}
