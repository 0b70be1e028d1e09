import { Logger } from '@nestjs/common';
import { AppModule } from './app.module';
import { configFromEnvironment } from './config/config.module';
import { startService } from './service.bootstrap';

configFromEnvironment()
  .then((config) => startService(AppModule.forRoot(config), config))
  .catch((error: Error) => {
    Logger.error(error.message, 'Bootstrap');
    process.exit(1);
  });
