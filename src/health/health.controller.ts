import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { ProvidersHealthIndicator } from './providers.health';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly providers: ProvidersHealthIndicator,
  ) {}

  /** Liveness: 200 while the process runs. Lists providers with their last checked state. */
  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Kubernetes liveness probe' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.providers.lastKnown()]);
  }

  /** Readiness: 200 only while Redis answers and at least one provider can send; 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Kubernetes readiness probe' })
  @ApiServiceUnavailableResponse({ description: 'Redis is unreachable or no provider can send.' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.redis.isReachable(), () => this.providers.canSend()]);
  }
}
