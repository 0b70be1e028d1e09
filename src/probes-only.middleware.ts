import type { NextFunction, Request, Response } from 'express';

const OPEN_TO_WORKERS = /^\/(health|metrics)(\/|$)/;

/**
 * A worker (MAIL_ROLE=worker) runs the same modules as an API process but answers only what probes and
 * Prometheus ask for; anything else is a 404 that says why.
 */
export function probesOnly(request: Request, response: Response, next: NextFunction): void {
  if (OPEN_TO_WORKERS.test(request.path)) return next();
  response.status(404).json({
    statusCode: 404,
    error: 'Not Found',
    message: 'This is a worker process (MAIL_ROLE=worker): it answers only /health/live, /health/ready and /metrics',
  });
}
