import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { AppConfig, ConfigModule, ProcessRole } from './config/config.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { FeedbackModule } from './feedback/feedback.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { ActivityModule } from './mail/activity/activity.module';
import { DeliveryModule } from './mail/delivery/delivery.module';
import { HistoryModule } from './mail/history/history.module';
import { IntakeModule } from './mail/intake/intake.module';
import { SuppressionsModule } from './mail/suppressions/suppressions.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProviderAdminModule } from './provider-admin/provider-admin.module';
import { QueueStatusModule } from './queue-status/queue-status.module';
import { RedisConnection, RedisModule } from './redis/redis.module';
import { WebhookDeliveriesModule } from './webhooks/deliveries/webhook-deliveries.module';
import { WebhookRelayModule } from './webhooks/relay/webhook-relay.module';

/** What every process runs: configuration, logs, Redis and the queues, who is calling, metrics. */
const FOUNDATION = [
  LoggingModule,
  RedisModule,
  BullModule.forRootAsync({
    inject: [RedisConnection],
    useFactory: (redis: RedisConnection) => ({ redis: redis.options, prefix: 'mailroute' }),
  }),
  AuthModule,
  MetricsModule,
];

/** The REST API and the operators' pages. */
const API = [
  IntakeModule,
  ActivityModule,
  SuppressionsModule,
  FeedbackModule,
  ProviderAdminModule,
  WebhookDeliveriesModule,
  QueueStatusModule,
  DashboardModule,
];

/** The queue workers: delivering mail and sending webhooks. */
const WORKER = [DeliveryModule, HistoryModule, WebhookRelayModule];

/** Which halves of mailroute a process runs, by MAIL_ROLE; read once, at start. */
export const PROCESS_ROLES: Record<ProcessRole, { api: boolean; worker: boolean }> = {
  all: { api: true, worker: true },
  api: { api: true, worker: false },
  worker: { api: false, worker: true },
};

/** Swagger UI at /docs: on where the process serves the API, unless DOCS_ENABLED turns it off. */
export const servesDocs = (config: AppConfig): boolean => PROCESS_ROLES[config.role].api && config.http.docsEnabled;

/** The console at /console: on where the process serves the API, unless CONSOLE_ENABLED turns it off. */
export const servesConsole = (config: AppConfig): boolean => PROCESS_ROLES[config.role].api && config.http.consoleEnabled;

/**
 * The application, composed for the process's role: an API process loads no queue workers, and a worker
 * loads no API route, so that its only routes are the probes and the metrics.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const { api, worker } = PROCESS_ROLES[config.role];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ...FOUNDATION,
        ...(api ? API : []),
        ...(worker ? WORKER : []),
        HealthModule.forRoot({ readyNeedsProvider: worker }),
      ],
    };
  }
}
