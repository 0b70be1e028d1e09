import { Logger } from '@nestjs/common';
import { configFromEnvironment } from '../../src/config/config.module';
import { startService } from '../../src/service.bootstrap';
import { NoopReferenceModule } from './noop-reference.module';

configFromEnvironment()
  .then((config) => startService(NoopReferenceModule.forRoot(config), config))
  .catch((error: Error) => {
    Logger.error(error.message, 'Bootstrap');
    process.exit(1);
  });
