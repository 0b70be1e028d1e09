import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { redactedUrl } from './redacted-url';
import { requestId } from './request-id';
import { routeTemplate } from './route-template';

/** Probes and scrapes arrive every few seconds: a line, or an id, for each would drown everything else. */
const QUIET_PATH = /^\/(?:metrics|health(?:\/.*)?)\/?$/;

/** Whether requests to `path` go without a log line and an X-Request-Id. */
export const isQuietPath = (path: string) => QUIET_PATH.test(path);

/**
 * Beside the response rather than on it: a property added to a ServerResponse changes the shape of an
 * object of some sixty properties, which cost 12 µs a request in the accept's profile.
 */
const added = new WeakMap<Response, Record<string, unknown>>();

/**
 * Adds fields to the request's log line, such as the id of the message a request created, which the
 * line otherwise lacks. The fields travel on the response, so any handler or filter of the request can
 * add them without a request context.
 */
export function addToRequestLog(response: Response, fields: Record<string, unknown>): void {
  added.set(response, { ...added.get(response), ...fields });
}

/**
 * One JSON line per request, written when the response is over: its id (the caller's X-Request-Id, or a
 * new one, echoed on the response), method, URL without addresses, route template, status and duration,
 * plus what the handler added (addToRequestLog). Mounted first, so that the requests the body limits
 * refuse have an id and a line too. Request lines never carry headers or bodies: those hold API keys and
 * message content.
 *
 * Not pino-http through nestjs-pino, as before: measured on the no-work route, its two Nest middleware
 * layers, a child logger per request, and the AsyncLocalStorage its request context runs every request
 * in (a hook on every promise of the process) cost about 15% of a request's CPU. This writes the same
 * line from the one root logger.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    if (isQuietPath(request.path)) return next();
    const id = requestId(request, response);
    const started = Date.now();
    response.once('close', () => writeLine(logger, request, response, id, Date.now() - started));
    next();
  };
}

function writeLine(logger: Logger, request: Request, response: Response, id: string, responseTime: number): void {
  const { statusCode } = response;
  const line = {
    req: { id, method: request.method, url: redactedUrl(request.originalUrl) },
    res: { statusCode },
    responseTime,
    route: routeTemplate(request),
    ...added.get(response),
  };
  const finished = response.writableFinished;
  const level = statusCode >= 500 ? 'error' : statusCode >= 400 || !finished ? 'warn' : 'info';
  logger[level](line, finished ? 'request completed' : 'request aborted');
}
