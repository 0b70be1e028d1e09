import { ExecutionContext, HttpException, HttpStatus, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError } from '../http/api-error.decorator';
import { isRedisUnavailable } from './redis-unavailable';

const OUTAGE_MESSAGE = 'mailroute:redis-outage-message';

const READ = 'This cannot be read while Redis is unreachable; try again.';
const WRITE = 'Nothing was changed: Redis is unreachable; try again.';

const logger = new Logger('Redis');

type Handler = (...args: unknown[]) => unknown;

/**
 * A 503 that already names the part that is down (PostgreSQL, say): @WhenRedisDown leaves its words
 * alone instead of blaming Redis.
 */
export class ExplainedOutage extends ServiceUnavailableException {}

/**
 * What the route's 503 says while Redis cannot be reached: what did not happen, on the route's own
 * terms (the API document shows it as the route's 503). The handler's Redis failures become that 503
 * instead of a 500, and any 503 it answers says it (on a route that needs Redis, a 503 means Redis),
 * except an ExplainedOutage. The handler is wrapped rather than intercepted: a global interceptor costs
 * every request of every route an RxJS pipeline and an AsyncResource (about 70 µs of CPU here), for
 * what a try/catch does.
 */
export function WhenRedisDown(message: string): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const handler = descriptor.value as Handler;
    const wrapped = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
      try {
        return await handler.apply(this, args);
      } catch (error) {
        throw translated(error, message);
      }
    };
    // Nest and Swagger keep a route's metadata on the handler function itself.
    for (const key of Reflect.getMetadataKeys(handler)) Reflect.defineMetadata(key, Reflect.getMetadata(key, handler), wrapped);
    Reflect.defineMetadata(OUTAGE_MESSAGE, message, wrapped);
    Object.defineProperty(wrapped, 'name', { value: handler.name });
    descriptor.value = wrapped;
    ApiError(503, 'A store the route needs is unreachable; nothing was changed. Retry after Retry-After.', message)(_target, _key, descriptor);
  };
}

/** The 503 the rate limiter answers for a route whose count could not reach Redis. */
export function outageException(reflector: Reflector, context: ExecutionContext, error: Error): ServiceUnavailableException {
  const request = context.switchToHttp().getRequest<Request>();
  return requestOutage(request, error, reflector.get<string | undefined>(OUTAGE_MESSAGE, context.getHandler()));
}

/** The 503 for a request that could not reach Redis: in `declared` words, or a read or a write sentence. */
export function requestOutage({ method, route }: Request, error: Error, declared?: string): ServiceUnavailableException {
  const message = declared ?? (method === 'GET' || method === 'HEAD' ? READ : WRITE);
  return unavailable(error, `${method} ${(route as { path: string } | undefined)?.path ?? '(no route)'}`, message);
}

function translated(error: unknown, message: string): unknown {
  if (isRedisUnavailable(error)) return unavailable(error as Error, 'a route', message);
  const is503 = error instanceof HttpException && error.getStatus() === HttpStatus.SERVICE_UNAVAILABLE && !(error instanceof ExplainedOutage);
  return is503 ? new ServiceUnavailableException(message) : error;
}

function unavailable(error: Error, where: string, message: string): ServiceUnavailableException {
  // The route template at most, never the URL: a URL can hold an address.
  logger.warn(`${where} answered 503: ${error.message}`);
  return new ServiceUnavailableException(message);
}
