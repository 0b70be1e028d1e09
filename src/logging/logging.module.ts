import { Global, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, Params } from 'nestjs-pino';
import { AppConfig } from '../config/config.module';
import { LogDestination } from './log-destination';
import { redactedUrl } from './redacted-url';
import { requestId } from './request-id';
import { routeTemplate } from './route-template';

export { LogDestination } from './log-destination';
export { REQUEST_ID_HEADER } from './request-id';

/**
 * Probes and scrapes arrive every few seconds: logging each would drown everything else, and the
 * request context alone (AsyncLocalStorage) would put a hook on every promise of a worker that
 * otherwise serves no HTTP at all.
 */
const QUIET_ROUTES = ['health', 'health/*path', 'metrics'];

/**
 * One JSON line per request (id, method, URL, route template, status, duration) and per application
 * event, at LOG_LEVEL. Request lines never carry headers or bodies: those hold API keys and message
 * content; nor addresses, which the URL loses. The request's URL is serialised when the request starts,
 * before Express has matched a route, so the template is added when the line is written.
 */
function pinoParams(config: AppConfig, destination: LogDestination): Params {
  return {
    pinoHttp: [
      {
        level: config.log.level,
        genReqId: requestId,
        customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error) =>
          error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
        // The serializers get the request itself, not pino's copy of it with every header, made only to be dropped.
        wrapSerializers: false,
        serializers: {
          req: (request: { id: string; method: string; url: string; originalUrl?: string }) => ({
            id: request.id,
            method: request.method,
            url: redactedUrl(request.originalUrl ?? request.url),
          }),
          res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
        },
        customSuccessObject: (request: IncomingMessage, _response: ServerResponse, line: object) => ({
          ...line,
          route: routeTemplate(request),
        }),
        customErrorObject: (request: IncomingMessage, _response: ServerResponse, _error: Error, line: object) => ({
          ...line,
          route: routeTemplate(request),
        }),
      },
      destination.stream,
    ],
    assignResponse: true,
    exclude: QUIET_ROUTES,
  };
}

@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({ inject: [AppConfig, LogDestination], useFactory: pinoParams }),
  ],
  providers: [{ provide: LogDestination, inject: [AppConfig], useFactory: (config: AppConfig) => LogDestination.forConfig(config) }],
  exports: [LogDestination],
})
export class LoggingModule {}
