import { DynamicModule, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoLogger } from 'nestjs-pino';
import { PROCESS_ROLES, servesDocs } from './app.module';
import { AppConfig } from './config/config.module';
import { configureApp, createHttpAdapter } from './http/app.setup';
import { startupSummary } from './startup-summary';

/**
 * Starts the HTTP service around `rootModule`: AppModule in production; the accept benchmark adds a
 * reference route to it, so both are measured through the very same pipeline.
 */
export async function startService(rootModule: DynamicModule, config: AppConfig): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule, createHttpAdapter(), {
    bodyParser: false,
    abortOnError: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  const { api } = PROCESS_ROLES[config.role];
  configureApp(app, { docs: servesDocs(config) });
  app.enableShutdownHooks();
  const { port, host } = config.http;
  await listenOrClose(app, port, host);
  Logger.log(`listening on http://${host}:${port} (${api ? 'API docs at /docs' : 'health and metrics only'})`, 'Bootstrap');
  Logger.log(await startupSummary(app), 'Bootstrap');
  if (config.security.apiKeys.length === 0 && api) {
    Logger.warn(
      `No API_KEYS configured: the API is open to anyone who can reach ${host}:${port}, which is why ` +
        'mailroute then listens on the loopback interface only. Create keys with `npm run key:new`.',
      'Bootstrap',
    );
  }
}

/**
 * The workers may already be running when the port turns out to be taken: the application is closed
 * as on SIGTERM (jobs finished or handed back, history flushed, embedded servers stopped) before the
 * error ends the process.
 */
async function listenOrClose(app: NestExpressApplication, port: number, host: string): Promise<void> {
  try {
    await app.listen(port, host);
  } catch (error) {
    await app.close();
    throw error;
  }
}
