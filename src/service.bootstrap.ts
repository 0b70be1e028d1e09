import { DynamicModule, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoLogger } from 'nestjs-pino';
import cluster from 'node:cluster';
import { PROCESS_ROLES, servesConsole, servesDocs } from './app.module';
import { SHUTDOWN_SIGNALS } from './common/shutdown-signals';
import { AppConfig, configFromEnvironment } from './config/config.module';
import { configureApp, createHttpAdapter } from './http/app.setup';
import { runProcessCluster } from './process-cluster';
import { startupSummary } from './startup-summary';

/**
 * What `node dist/main` does: reads the configuration, then serves, or, with MAIL_PROCESSES above 1,
 * becomes the primary of that many serving processes (src/process-cluster.ts). `rootModule`: AppModule
 * in production; the accept benchmark adds a reference route to it, so both are measured through the
 * very same pipeline. A start that fails logs why and exits 1.
 */
export function bootstrap(rootModule: (config: AppConfig) => DynamicModule): void {
  configFromEnvironment()
    .then((config) => (config.processes > 1 && cluster.isPrimary ? runProcessCluster(config) : startService(rootModule(config), config)))
    .catch((error: Error) => {
      // Nest holds its log lines until the server listens: without this, a failed start says nothing.
      Logger.flush();
      Logger.error(error.message, 'Bootstrap');
      process.exit(1);
    });
}

async function startService(rootModule: DynamicModule, config: AppConfig): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule, createHttpAdapter(), {
    bodyParser: false,
    abortOnError: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  const { api } = PROCESS_ROLES[config.role];
  configureApp(app, { docs: servesDocs(config), webConsole: servesConsole(config) });
  closeOnSignals(app);
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

/**
 * The first SIGTERM, SIGINT or SIGHUP closes the application (jobs finished or handed back, history
 * flushed, connections and embedded servers closed), as Nest's enableShutdownHooks() would; a second
 * one is ignored. Nest's hooks stop listening at the first, so a second signal killed the process half
 * way through its shutdown, and one often comes: Ctrl+C reaches every process of the terminal's group
 * and npm passes it on again, and a process cluster's primary (MAIL_PROCESSES) sends SIGTERM too.
 */
function closeOnSignals(app: NestExpressApplication): void {
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    Logger.log(`${signal}: shutting down`, 'Bootstrap');
    app.close().then(
      () => process.exit(0),
      (error: Error) => {
        Logger.error(`Shutdown failed: ${error.message}`, 'Bootstrap');
        process.exit(1);
      },
    );
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, close);
}
