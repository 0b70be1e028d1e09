import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Request } from 'express';
import { missingKey } from './api-key.guard';
import { Principal } from './principal';

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * The Principal the ApiKeyGuard established for this request. A handler that asks for a caller where
 * none was established (a route marked public by mistake) refuses the request instead of going on
 * without one.
 */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const http = context.switchToHttp();
  const { principal } = http.getRequest<AuthenticatedRequest>();
  if (!principal) throw missingKey(http.getResponse<ServerResponse>());
  return principal;
});
