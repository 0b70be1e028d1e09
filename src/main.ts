import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AppConfig } from './config/config.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    abortOnError: false,
  });
  configureApp(app);
  app.enableShutdownHooks();
  const config = app.get(AppConfig);
  const { port, host } = config.http;
  await app.listen(port, host);
  Logger.log(`mailroute listening on http://${host}:${port} (API docs at /docs)`, 'Bootstrap');
  if (config.security.apiKeys.length === 0) {
    Logger.warn(
      `No API_KEYS configured: the API is open to anyone who can reach ${host}:${port}, which is why ` +
        'mailroute then listens on the loopback interface only. Create keys with `npm run key:new`.',
      'Bootstrap',
    );
  }
}

bootstrap().catch((error: Error) => {
  Logger.error(error.message, 'Bootstrap');
  process.exit(1);
});
