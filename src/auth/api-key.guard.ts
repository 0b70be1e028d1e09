import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyRegistry } from './api-key.registry';
import { AuthenticatedRequest } from './caller.decorator';
import { LOCAL_OPERATOR, Scope, grants } from './principal';
import { REQUIRED_SCOPE } from './require-scope.decorator';

/** Everything under /v1 is the API; health and docs stay open for probes and for reading. */
export const isApiPath = (path: string) => path === '/v1' || path.startsWith('/v1/');

const UNAUTHORIZED = 'A valid API key is required: send it as "Authorization: Bearer <key>".';

/**
 * Requires an API key with the route's scope on every /v1 route (`send`, or what @RequireScope says).
 * 401 and 403 bodies say what is needed, never which keys exist.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRegistry,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const needed = this.requiredScope(context, request.path);
    if (!needed) return true;
    if (!this.keys.enabled) {
      request.principal = LOCAL_OPERATOR;
      return true;
    }
    const principal = this.keys.authenticate(bearerToken(request.headers.authorization) ?? '');
    if (!principal) throw new UnauthorizedException(UNAUTHORIZED);
    if (!grants(principal.scope, needed)) {
      throw new ForbiddenException(`This API key does not have the ${needed} scope this endpoint needs.`);
    }
    request.principal = principal;
    return true;
  }

  private requiredScope(context: ExecutionContext, path: string): Scope | undefined {
    const declared = this.reflector.getAllAndOverride<Scope | 'none'>(REQUIRED_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (declared === 'none') return undefined;
    return declared ?? (isApiPath(path) ? 'send' : undefined);
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
