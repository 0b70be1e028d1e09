import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/config.module';
import { servesInProcessCluster } from './cluster-metrics';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';

export { answerMetricsRequests } from './cluster-metrics';
export { HttpMetricsMiddleware } from './http-metrics.middleware';
export { MetricsRegistry } from './metrics.registry';

/** Global: every feature module declares its own instruments on the one registry. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: MetricsRegistry,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new MetricsRegistry({ clustered: servesInProcessCluster(config.processes) }),
    },
    HttpMetricsMiddleware,
  ],
  exports: [MetricsRegistry, HttpMetricsMiddleware],
})
export class MetricsModule {}
