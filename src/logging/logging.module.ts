import { Global, Module } from '@nestjs/common';
import { LoggerModule, Params } from 'nestjs-pino';
import { AppConfig } from '../config/config.module';
import { LogDestination } from './log-destination';
import { RootLogger } from './root-logger';

export { LogDestination } from './log-destination';
export { REQUEST_ID_HEADER } from './request-id';
export { addToRequestLog, isQuietPath, requestLog } from './request-log';
export { RootLogger } from './root-logger';
export { routeTemplate } from './route-template';

/**
 * nestjs-pino serves as Nest's logger only. Its HTTP middleware (pino-http, and a request context for
 * every request) is left unmounted: requestLog writes the request lines, for a fraction of the cost
 * (see there).
 */
const nestLoggerParams = (root: RootLogger): Params => ({ pinoHttp: { logger: root.pino }, forRoutes: [] });

/**
 * One JSON line per request (requestLog) and per application event, at LOG_LEVEL, to the
 * LogDestination.
 */
@Global()
@Module({
  imports: [LoggerModule.forRootAsync({ inject: [RootLogger], useFactory: nestLoggerParams })],
  providers: [
    { provide: LogDestination, inject: [AppConfig], useFactory: (config: AppConfig) => LogDestination.forConfig(config) },
    { provide: RootLogger, inject: [AppConfig, LogDestination], useFactory: (config: AppConfig, destination: LogDestination) => RootLogger.forConfig(config, destination) },
  ],
  exports: [LogDestination, RootLogger],
})
export class LoggingModule {}
