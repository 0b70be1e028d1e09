import { Logger } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Bodies in flight usually finish within a second or two; a client told to come back later than that
 * gives the process time to drain without leaving it idle.
 */
export const RETRY_AFTER_SECONDS = 2;

/**
 * The part of the bound that requests without a valid API key may hold together: provider webhooks
 * (small batches) and requests that will be refused anyway. Without it, a few slow uploads from anyone
 * could hold the whole bound and turn every client with a key away.
 */
const ANONYMOUS_SHARE = 0.25;

/**
 * Bounds the request bodies one process holds at once, so that concurrent large bodies cannot push it
 * past its memory limit (a parsed JSON body costs several times its size). Each request with a body
 * reserves its size before any byte of it is read: its Content-Length, or the body limit when it is
 * chunked and its size is unknown. A request that does not fit gets a 503 with Retry-After: the bound
 * is a capacity of this process, not a fault of the caller, and another replica may well have room.
 * Requests that `hasValidKey` does not vouch for share only ANONYMOUS_SHARE of the bound. The
 * reservation is given back when the response is done or the connection is gone.
 */
export function inFlightBytesLimit(
  maxBytes: number,
  bodyLimitBytes: number,
  hasValidKey: (request: Request) => boolean = () => true,
): RequestHandler {
  const logger = new Logger('InFlightBytes');
  const anonymousMaxBytes = Math.floor(maxBytes * ANONYMOUS_SHARE);
  let inFlight = 0;
  let anonymousInFlight = 0;
  return (request: Request, response: Response, next: NextFunction): void => {
    const anonymous = !hasValidKey(request);
    // A chunked body without a key takes the whole share rather than be refused for its unknown size.
    const size = Math.min(declaredSize(request, bodyLimitBytes), anonymous ? anonymousMaxBytes : Infinity);
    if (size === 0) return next();
    if (inFlight + size > maxBytes || (anonymous && anonymousInFlight + size > anonymousMaxBytes)) {
      // This refusal comes before the request logger: without this line it would leave no trace.
      const who = anonymous ? 'without a valid API key ' : '';
      logger.warn(`refused a ${size}-byte body ${who}with ${inFlight} of HTTP_IN_FLIGHT_LIMIT's ${maxBytes} bytes in flight`);
      return refuse(response);
    }
    inFlight += size;
    if (anonymous) anonymousInFlight += size;
    response.once('close', () => {
      inFlight -= size;
      if (anonymous) anonymousInFlight -= size;
    });
    next();
  };
}

/** What the body may occupy; one declared larger than the limit is refused by the body parser unread. */
function declaredSize(request: Request, bodyLimitBytes: number): number {
  const length = request.headers['content-length'];
  if (length === undefined) return request.headers['transfer-encoding'] ? bodyLimitBytes : 0;
  const declared = Number(length) || 0;
  return declared > bodyLimitBytes ? 0 : declared;
}

function refuse(response: Response): void {
  response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  response.status(503).json({
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'This process is reading as many request bodies as its memory allows; retry after the Retry-After seconds.',
  });
}
