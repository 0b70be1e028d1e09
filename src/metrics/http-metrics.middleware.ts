import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import { routeTemplate } from '../logging/logging.module';
import { MetricsRegistry } from './metrics.registry';

/**
 * Times every request by its route template (`/v1/emails/:id`, never the concrete path, which would
 * make a series per message id); requests that matched no route count as `unmatched`. Plain Express
 * middleware that configureApp mounts first, so that the requests the body limits refuse count too: as
 * a Nest middleware it ran after them, as a route layer of its own behind Nest's proxy.
 */
@Injectable()
export class HttpMetricsMiddleware {
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(metrics: MetricsRegistry) {
    this.duration = metrics.histogram({
      name: 'mailroute_http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
  }

  readonly use = (request: Request, response: Response, next: NextFunction): void => {
    const stop = this.duration.startTimer();
    response.once('finish', () =>
      stop({ method: request.method, route: routeTemplate(request), status: String(response.statusCode) }),
    );
    next();
  };
}
