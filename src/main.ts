import { AppModule } from './app.module';
import { bootstrap } from './service.bootstrap';

bootstrap((config) => AppModule.forRoot(config));
