import { Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoLogger } from 'nestjs-pino';
import { configureApp, createHttpAdapter } from './app.setup';
import { AppConfig, servesApi } from './config/config.module';
import { startupSummary } from './startup-summary';

/**
 * Starts the HTTP service around `rootModule`: AppModule in production; the accept benchmark adds a
 * reference route to it, so both are measured through the very same pipeline.
 */
export async function startService(rootModule: Type): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule, createHttpAdapter(), {
    bodyParser: false,
    abortOnError: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  configureApp(app);
  app.enableShutdownHooks();
  const config = app.get(AppConfig);
  const { port, host } = config.http;
  await app.listen(port, host);
  const serves = servesApi(config.role) ? 'API docs at /docs' : 'health and metrics only';
  Logger.log(`listening on http://${host}:${port} (${serves})`, 'Bootstrap');
  Logger.log(await startupSummary(app), 'Bootstrap');
  if (config.security.apiKeys.length === 0 && servesApi(config.role)) {
    Logger.warn(
      `No API_KEYS configured: the API is open to anyone who can reach ${host}:${port}, which is why ` +
        'mailroute then listens on the loopback interface only. Create keys with `npm run key:new`.',
      'Bootstrap',
    );
  }
}
