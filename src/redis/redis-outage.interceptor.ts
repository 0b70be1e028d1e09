import {
  CallHandler,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  NestInterceptor,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable, catchError, throwError } from 'rxjs';
import { isRedisUnavailable } from './redis-unavailable';
import { declaredOutageMessage, outageException } from './when-redis-down.decorator';

/**
 * A handler that could not reach Redis answers 503 in the route's own words (@WhenRedisDown), never a
 * 500; on a route that needs Redis, the handler's own 503 can only mean Redis too and says the same.
 */
@Injectable()
export class RedisOutageInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((error: unknown) => throwError(() => this.translated(error, context))));
  }

  private translated(error: unknown, context: ExecutionContext): unknown {
    if (isRedisUnavailable(error)) return outageException(this.reflector, context, error as Error);
    const declared = declaredOutageMessage(this.reflector, context);
    const unavailable = error instanceof HttpException && error.getStatus() === HttpStatus.SERVICE_UNAVAILABLE;
    return unavailable && declared ? new ServiceUnavailableException(declared) : error;
  }
}
