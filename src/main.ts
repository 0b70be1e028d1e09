import { Logger } from '@nestjs/common';
import { AppModule } from './app.module';
import { startService } from './service.bootstrap';

startService(AppModule).catch((error: Error) => {
  Logger.error(error.message, 'Bootstrap');
  process.exit(1);
});
