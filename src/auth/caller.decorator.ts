import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { Principal } from './principal';

export type AuthenticatedRequest = Request & { principal?: Principal };

/** The Principal the ApiKeyGuard established for this request. */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
