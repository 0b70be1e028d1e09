import { Global, Module } from '@nestjs/common';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';

export { HttpMetricsMiddleware } from './http-metrics.middleware';
export { MetricsRegistry } from './metrics.registry';

/** Global: every feature module declares its own instruments on the one registry. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [{ provide: MetricsRegistry, useFactory: () => new MetricsRegistry() }, HttpMetricsMiddleware],
  exports: [MetricsRegistry, HttpMetricsMiddleware],
})
export class MetricsModule {}
