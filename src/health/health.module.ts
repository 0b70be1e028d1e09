import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseModule } from '../database/database.module';
import { MessagesModule } from '../mail/messages/messages.module';
import { ProvidersModule } from '../providers/providers.module';
import { RoutingModule } from '../routing/routing.module';
import { HealthController } from './health.controller';
import { HistoryHealthIndicator } from './history.health';
import { ProvidersHealthIndicator } from './providers.health';
import { Readiness } from './readiness';
import { RedisHealthIndicator } from './redis.health';
import { ShutdownHealthIndicator } from './shutdown.health';

/** Kubernetes' probes (Terminus): /health/live and /health/ready. */
@Module({})
export class HealthModule {
  static forRoot(readiness: Readiness): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule, ProvidersModule, RoutingModule, DatabaseModule, MessagesModule],
      controllers: [HealthController],
      providers: [
        RedisHealthIndicator,
        HistoryHealthIndicator,
        ProvidersHealthIndicator,
        ShutdownHealthIndicator,
        { provide: Readiness, useValue: readiness },
      ],
    };
  }
}
