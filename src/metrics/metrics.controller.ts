import { Controller, Get, Header, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppConfig } from '../config/config.module';
import { MetricsRegistry } from './metrics.registry';

/** Prometheus scrape endpoint; outside /v1, so like the probes it needs no API key and is not throttled. */
@ApiExcludeController()
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
