import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ProvidersModule } from '../providers/providers.module';
import { RoutingModule } from '../routing/routing.module';
import { HealthController } from './health.controller';
import { ProvidersHealthIndicator } from './providers.health';
import { RedisHealthIndicator } from './redis.health';
import { ShutdownHealthIndicator } from './shutdown.health';

@Module({
  imports: [TerminusModule, ProvidersModule, RoutingModule],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, ProvidersHealthIndicator, ShutdownHealthIndicator],
})
export class HealthModule {}
