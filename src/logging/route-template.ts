import type { IncomingMessage } from 'node:http';

/** The Express route a request matched (`/v1/suppressions/:email`), or `unmatched`. */
export function routeTemplate(request: IncomingMessage): string {
  const path = (request as IncomingMessage & { route?: { path?: unknown } }).route?.path;
  return typeof path === 'string' ? path : 'unmatched';
}
