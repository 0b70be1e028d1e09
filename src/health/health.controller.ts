import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/auth.module';
import { ApiError, RETRY_AFTER } from '../http/api-error.decorator';
import { HealthReportDto } from './dto/health-report.dto';
import { HistoryHealthIndicator } from './history.health';
import { ProvidersHealthIndicator } from './providers.health';
import { Readiness } from './readiness';
import { RedisHealthIndicator } from './redis.health';
import { ShutdownHealthIndicator } from './shutdown.health';

const LIVE = { providers: { outbox: { status: 'unknown' }, status: 'up' } };
const READY = {
  process: { status: 'up' },
  redis: { latencyMs: 1, status: 'up' },
  history: { database: 'up', waiting: 0, lagSeconds: 0, status: 'up' },
  providers: { outbox: { status: 'up', enabled: true, breaker: 'closed' }, status: 'up' },
};
const REDIS_DOWN = { redis: { status: 'down', message: 'Connection is closed.' } };
const STILL_UP = { process: { status: 'up' } };

/** A probe sends no body; one that sends a JSON body body-parser cannot read gets its 400. */
@ApiError(400, 'The request has a JSON body that is not valid JSON.', "Expected property name or '}' in JSON at position 1")
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
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Kubernetes liveness probe' })
  @ApiOkResponse({ type: HealthReportDto, example: { status: 'ok', info: LIVE, error: {}, details: LIVE } })
  checkLiveness(): Promise<HealthCheckResult> {
    return this.health.check([() => this.providers.lastKnown()]);
  }

  /**
   * Readiness: 200 only while Redis answers and, in a process that sends (MAIL_ROLE all or worker), at
   * least one provider can send; 503 otherwise, and from the moment the process starts shutting down.
   * An api process stays ready through a provider outage: it can still accept and store messages. The
   * detail also says whether PostgreSQL answers and how far the history is behind (never a reason for 503).
   */
  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Kubernetes readiness probe' })
  @ApiOkResponse({ type: HealthReportDto, example: { status: 'ok', info: READY, error: {}, details: READY } })
  @ApiServiceUnavailableResponse({
    type: HealthReportDto,
    description: 'Redis is unreachable, no provider can send, or the process is stopping.',
    headers: RETRY_AFTER,
    example: { status: 'error', info: STILL_UP, error: REDIS_DOWN, details: { ...STILL_UP, ...REDIS_DOWN } },
  })
  checkReadiness(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.shutdown.isRunning(),
      () => this.redis.isReachable(),
      () => this.history.report(),
      ...(this.readiness.readyNeedsProvider ? [() => this.providers.canSend()] : []),
    ]);
  }
}
