import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { FeedbackModule } from './feedback/feedback.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MailModule } from './mail/mail.module';
import { MetricsModule } from './metrics/metrics.module';
import { RedisConnection, RedisModule } from './redis/redis.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    RedisModule,
    BullModule.forRootAsync({
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) => ({ redis: redis.options, prefix: 'mailroute' }),
    }),
    AuthModule,
    MailModule,
    HealthModule,
    WebhooksModule,
    FeedbackModule,
    MetricsModule,
    DashboardModule,
  ],
})
export class AppModule {}
