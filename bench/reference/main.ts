import { bootstrap } from '../../src/service.bootstrap';
import { NoopReferenceModule } from './noop-reference.module';

bootstrap((config) => NoopReferenceModule.forRoot(config));
