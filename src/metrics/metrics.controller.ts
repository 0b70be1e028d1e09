import { Controller, Get, Header, NotFoundException, Res } from '@nestjs/common';
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
    response.type(this.metrics.contentType).send(await this.metrics.render());
  }
}
