import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isRedisUnavailable, requestOutage } from '../redis/redis.module';

/** Redis outages are mostly restarts and failovers: seconds, not minutes. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Every 503 the API answers carries Retry-After, so that clients and providers come back instead of
 * giving up. The limiter and the handlers word their own 503s for their route (@WhenRedisDown); a Redis
 * failure met anywhere else (a middleware's) still becomes a 503, in general words, instead of a 500.
 * Anything else, and the answer itself, is left to `otherwise`.
 */
@Catch()
export class ServiceUnavailableFilter implements ExceptionFilter {
  constructor(private readonly otherwise: ExceptionFilter) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const unavailable = host.getType() === 'http' ? this.unavailable(exception, host) : undefined;
    if (!unavailable) {
      this.otherwise.catch(exception, host);
      return;
    }
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.headersSent && !response.getHeader('Retry-After')) response.setHeader('Retry-After', RETRY_AFTER_SECONDS);
    this.otherwise.catch(unavailable, host);
  }

  private unavailable(exception: unknown, host: ArgumentsHost): HttpException | undefined {
    if (isRedisUnavailable(exception)) return requestOutage(host.switchToHttp().getRequest<Request>(), exception as Error);
    const unavailable = exception instanceof HttpException && exception.getStatus() === HttpStatus.SERVICE_UNAVAILABLE;
    return unavailable ? exception : undefined;
  }
}
