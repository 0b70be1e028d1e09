import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { isRedisUnavailable } from '../redis/redis-unavailable';
import { isRedisRoute, outageMessage } from './outage-message';

/** Redis outages are mostly restarts and failovers: seconds, not minutes. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Every 503 the API answers. A Redis command on a request path that could not reach Redis (the rate
 * limiter's, a store's) becomes a 503 instead of a 500, worded for the route; on the routes that need
 * Redis the handler's own 503 can only mean Redis too, and gets the same words. Every 503 carries
 * Retry-After, so that clients and providers come back instead of giving up. Anything else, and the
 * answer itself, is left to `otherwise`.
 */
@Catch()
export class ServiceUnavailableFilter implements ExceptionFilter {
  private readonly logger = new Logger('Redis');

  constructor(private readonly otherwise: ExceptionFilter) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const unavailable = host.getType() === 'http' ? this.unavailable(exception, host) : undefined;
    if (!unavailable) return this.otherwise.catch(exception, host);
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.headersSent && !response.getHeader('Retry-After')) response.setHeader('Retry-After', RETRY_AFTER_SECONDS);
    this.otherwise.catch(unavailable, host);
  }

  private unavailable(exception: unknown, host: ArgumentsHost): HttpException | undefined {
    const { method, route } = host.switchToHttp().getRequest<Request>();
    const path = route?.path as string | undefined;
    if (isRedisUnavailable(exception)) {
      // The route template, never the URL: a URL can hold an address.
      this.logger.warn(`${method} ${path ?? '(no route)'} answered 503: ${(exception as Error).message}`);
      return new ServiceUnavailableException(outageMessage(method, path));
    }
    if (!(exception instanceof HttpException) || exception.getStatus() !== HttpStatus.SERVICE_UNAVAILABLE) return undefined;
    return isRedisRoute(method, path) ? new ServiceUnavailableException(outageMessage(method, path)) : exception;
  }
}
