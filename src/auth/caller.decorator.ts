import { ExecutionContext, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { UNAUTHORIZED } from './api-key.guard';
import { Principal } from './principal';

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * The Principal the ApiKeyGuard established for this request. A handler that asks for a caller where
 * none was established (a route marked public by mistake) refuses the request instead of going on
 * without one.
 */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const { principal } = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!principal) throw new UnauthorizedException(UNAUTHORIZED);
  return principal;
});
