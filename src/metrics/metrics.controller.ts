import { Controller, Get, Header, NotFoundException, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.module';
import { AppConfig } from '../config/config.module';
import { MetricsRegistry } from './metrics.registry';

/** Prometheus scrape endpoint: like the probes it needs no API key and is not throttled (METRICS_ENABLED turns it off). */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: Response): Promise<void> {
    if (!this.config.metrics.enabled) throw new NotFoundException('Metrics are turned off (METRICS_ENABLED=false)');
    const metrics = await this.metrics.render().catch((error: Error) => {
      // Under MAIL_PROCESSES, one process's metrics alone would pass for the host's.
      throw new ServiceUnavailableException(`Metrics are unavailable: ${error.message}`);
    });
    response.type(this.metrics.contentType).send(metrics);
  }
}
