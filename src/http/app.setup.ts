import { INestApplication, RawBodyRequest as NestRawBodyRequest, ValidationPipe } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import helmet from 'helmet';
import { ApiKeyRegistry } from '../auth/auth.module';
import { requestLog, RootLogger } from '../logging/logging.module';
import { HttpMetricsMiddleware } from '../metrics/metrics.module';
import { VALIDATION_OPTIONS } from '../common/validation-options';
import { AppConfig, sizeInBytes } from '../config/config.module';
import { apiDocument } from './api-document';
import { BodyParserErrorsFilter } from './body-parser-errors.filter';
import { mountConsole } from './console-assets';
import { applyServerLimits } from './http-server.limits';
import { inFlightBytesLimit } from './in-flight-bytes.middleware';
import { checkJsonShape } from './json-shape.limit';
import { ServiceUnavailableFilter } from './service-unavailable.filter';

type RawBodyRequest = NestRawBodyRequest<IncomingMessage>;

/**
 * The Express instance the application is created on. Routing is case-sensitive so that a path matches
 * a route only as the route is written (`/V1/emails` is no route at all). It has to be set before
 * anything touches Express's router, which reads the setting once, when it is created (the adapter's
 * constructor already does), so the instance is made here; `express` is pinned to the version
 * @nestjs/platform-express pins.
 */
export function createHttpAdapter(): ExpressAdapter {
  return new ExpressAdapter(express().enable('case sensitive routing'));
}

/**
 * Everything the HTTP application needs beyond its modules; shared by main.ts and the e2e tests so that
 * tests exercise the same pipeline users get. The app must be created on
 * createHttpAdapter() with `bodyParser: false`. `docs` and `webConsole`: whether to serve Swagger UI at
 * /docs and the console at /console, which only a process that serves the API does.
 */
export function configureApp(app: NestExpressApplication, { docs, webConsole }: { docs: boolean; webConsole: boolean }): INestApplication {
  const config = app.get(AppConfig);
  applyServerLimits(app.getHttpServer(), config);
  app.use(requestLog(app.get(RootLogger).pino), app.get(HttpMetricsMiddleware).use);
  // Plain-HTTP deployments (behind a TLS-terminating ingress, or a laptop) would otherwise have browsers
  // upgrade /docs' and the dashboard's asset requests to https and fail.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  const keys = app.get(ApiKeyRegistry);
  app.use(inFlightBytesLimit(config.http.inFlightLimitBytes, sizeInBytes(config.http.bodyLimit), (request) => keys.vouchesFor(request)));
  app.useBodyParser('json', {
    limit: config.http.bodyLimit,
    // Webhook signatures are computed over the exact bytes, so the raw body stays on the request.
    verify: (request: RawBodyRequest, _res: unknown, raw: Buffer) => {
      checkJsonShape(raw);
      request.rawBody = raw;
    },
  });
  app.useGlobalPipes(
    new ValidationPipe({ ...VALIDATION_OPTIONS, transform: true }),
  );
  app.useGlobalFilters(new ServiceUnavailableFilter(new BodyParserErrorsFilter(app.getHttpAdapter())));
  if (docs) mountDocs(app);
  if (webConsole) mountConsole(app);
  return app;
}

function mountDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => apiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
