import { Logger } from '@nestjs/common';
import { startService } from '../../src/service.bootstrap';
import { NoopReferenceModule } from './noop-reference.module';

startService(NoopReferenceModule).catch((error: Error) => {
  Logger.error(error.message, 'Bootstrap');
  process.exit(1);
});
