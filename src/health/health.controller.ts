import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/auth.module';
import { HistoryHealthIndicator } from './history.health';
import { ProvidersHealthIndicator } from './providers.health';
import { Readiness } from './readiness';
import { RedisHealthIndicator } from './redis.health';
import { ShutdownHealthIndicator } from './shutdown.health';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly history: HistoryHealthIndicator,
    private readonly providers: ProvidersHealthIndicator,
    private readonly shutdown: ShutdownHealthIndicator,
    private readonly readiness: Readiness,
  ) {}

  /** Liveness: 200 while the process runs. Lists providers with their last checked state. */
  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Kubernetes liveness probe' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.providers.lastKnown()]);
  }

  /**
   * Readiness: 200 only while Redis answers and, in a process that sends (MAIL_ROLE all or worker), at
   * least one provider can send; 503 otherwise, and from the moment the process starts shutting down.
   * An api process stays ready through a provider outage: it can still accept and store messages. The
   * detail also says whether PostgreSQL answers and how far the history is behind (never a reason for 503).
   */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Kubernetes readiness probe' })
  @ApiServiceUnavailableResponse({ description: 'Redis is unreachable, no provider can send, or the process is stopping.' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.shutdown.isRunning(),
      () => this.redis.isReachable(),
      () => this.history.report(),
      ...(this.readiness.readyNeedsProvider ? [() => this.providers.canSend()] : []),
    ]);
  }
}
