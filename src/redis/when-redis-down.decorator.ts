import { ExecutionContext, Logger, ServiceUnavailableException, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request } from 'express';

const OUTAGE_MESSAGE = 'mailroute:redis-outage-message';

const READ = 'This cannot be read while Redis is unreachable; try again.';
const WRITE = 'Nothing was changed: Redis is unreachable; try again.';

/**
 * What the route's 503 says while Redis cannot be reached: what did not happen, on the route's own
 * terms. It marks the route as one that needs Redis, so that any 503 it answers says this.
 */
export const WhenRedisDown = (message: string) => SetMetadata(OUTAGE_MESSAGE, message);

const logger = new Logger('Redis');

/** The 503 for a route whose Redis call failed with `error`: in the route's words, or general ones. */
export function outageException(reflector: Reflector, context: ExecutionContext, error: Error): ServiceUnavailableException {
  const { method, route } = context.switchToHttp().getRequest<Request>();
  // The route template, never the URL: a URL can hold an address.
  logger.warn(`${method} ${(route?.path as string | undefined) ?? '(no route)'} answered 503: ${error.message}`);
  return new ServiceUnavailableException(declaredOutageMessage(reflector, context) ?? genericOutageMessage(method));
}

/** The route's own outage sentence, if it declared one with @WhenRedisDown. */
export function declaredOutageMessage(reflector: Reflector, context: ExecutionContext): string | undefined {
  return reflector.get<string | undefined>(OUTAGE_MESSAGE, context.getHandler());
}

/** A read or a write sentence, for whatever has no sentence of its own. */
export function genericOutageMessage(method: string): string {
  return method === 'GET' || method === 'HEAD' ? READ : WRITE;
}
