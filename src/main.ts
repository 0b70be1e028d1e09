import { Logger } from '@nestjs/common';
import { AppModule } from './app.module';
import { configFromEnvironment } from './config/config.module';
import { startService } from './service.bootstrap';

configFromEnvironment()
  .then((config) => startService(AppModule.forRoot(config), config))
  .catch((error: Error) => {
    // Nest holds its log lines until the server listens: without this, a failed start says nothing.
    Logger.flush();
    Logger.error(error.message, 'Bootstrap');
    process.exit(1);
  });
