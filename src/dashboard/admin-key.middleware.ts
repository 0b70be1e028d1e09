import { ForbiddenException, Injectable, NestMiddleware, UnauthorizedException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiKeyRegistry, grants, soleAuthorization } from '../auth/auth.module';

/** Makes a browser show its login prompt: the user name is ignored, the password is the API key. */
const CHALLENGE = 'Basic realm="mailroute"';
const UNAUTHORIZED =
  'An API key with the admin scope is required: send it as "Authorization: Bearer <key>", ' +
  'or as the password of HTTP Basic authentication (any user name).';
const FORBIDDEN = 'This API key does not have the admin scope the queue dashboard needs.';

/**
 * Guards a browser UI for operators. Browsers cannot attach a Bearer header to a page they navigate
 * to, so the key is also taken as a Basic password; either way it goes through the same constant-time
 * registry as the API. Without API_KEYS the service listens on loopback only and everything is open.
 */
@Injectable()
export class AdminKeyMiddleware implements NestMiddleware {
  constructor(private readonly keys: ApiKeyRegistry) {}

  use(request: Request, response: Response, next: NextFunction): void {
    if (!this.keys.enabled) return next();
    const principal = this.keys.authenticate(presentedKey(soleAuthorization(request)) ?? '');
    if (!principal) {
      response.setHeader('WWW-Authenticate', CHALLENGE);
      throw new UnauthorizedException(UNAUTHORIZED);
    }
    if (!grants(principal.scope, 'admin')) throw new ForbiddenException(FORBIDDEN);
    next();
  }
}

/** The key from `Bearer <key>`, or the password from `Basic base64(user:password)`. */
function presentedKey(header: string | undefined): string | undefined {
  const [, scheme, credentials] = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header ?? '') ?? [];
  if (!credentials) return undefined;
  if (scheme.toLowerCase() === 'bearer') return credentials;
  const userAndPassword = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = userAndPassword.indexOf(':');
  return colon < 0 ? undefined : userAndPassword.slice(colon + 1);
}
