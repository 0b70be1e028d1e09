import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import { ApiKeyRegistry } from './api-key.registry';
import type { AuthenticatedRequest } from './caller.decorator';
import { LOCAL_OPERATOR, Scope, grants } from './principal';
import { IS_PUBLIC } from './public.decorator';
import { REQUIRED_SCOPE } from './require-scope.decorator';

export const UNAUTHORIZED = 'A valid API key is required: send it as "Authorization: Bearer <key>".';
export const scopeMissing = (scope: Scope) => `This API key does not have the ${scope} scope this endpoint needs.`;

/** Every 401 names the scheme the client should use (RFC 9110 requires the header on a 401). */
export function missingKey(response: ServerResponse): UnauthorizedException {
  response.setHeader('WWW-Authenticate', 'Bearer realm="mailroute"');
  return new UnauthorizedException(UNAUTHORIZED);
}

/**
 * Requires an API key on every route that is not marked @Public(), with the `send` scope or what
 * @RequireScope says. The decision is the route's, never the request path's: a path spelled another
 * way reaches the same handler and so the same check. 401 and 403 bodies say what is needed, never
 * which keys exist.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRegistry,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const needed = this.reflector.getAllAndOverride<Scope>(REQUIRED_SCOPE, targets) ?? 'send';
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    if (!this.keys.enabled) {
      request.principal = LOCAL_OPERATOR;
      return true;
    }
    const principal = this.keys.principalOf(request);
    if (!principal) throw missingKey(http.getResponse<ServerResponse>());
    if (!grants(principal.scope, needed)) {
      throw new ForbiddenException(scopeMissing(needed));
    }
    request.principal = principal;
    return true;
  }
}
