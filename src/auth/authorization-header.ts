import type { IncomingMessage } from 'node:http';

/**
 * The request's one Authorization header. Node keeps only the first of repeated Authorization headers,
 * while a proxy in front may act on another, so a request with more than one has none.
 */
export function soleAuthorization(request: IncomingMessage): string | undefined {
  const count = request.rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'authorization').length;
  return count === 1 ? request.headers.authorization : undefined;
}

/** The key of a sole `Authorization: Bearer <key>` header. */
export function bearerToken(request: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(soleAuthorization(request) ?? '')?.[1];
}
