import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/**
 * Down from the moment shutdown begins. Nest runs every onModuleDestroy before the queues drain
 * (beforeApplicationShutdown) and before the HTTP server closes, so a load balancer sees the instance
 * leave while it still finishes what it started.
 */
@Injectable()
export class ShutdownHealthIndicator implements OnModuleDestroy {
  private stopping = false;

  constructor(private readonly health: HealthIndicatorService) {}

  onModuleDestroy(): void {
    this.stopping = true;
  }

  isRunning(): HealthIndicatorResult<'process'> {
    const indicator = this.health.check('process');
    return this.stopping ? indicator.down({ message: 'shutting down' }) : indicator.up();
  }
}
