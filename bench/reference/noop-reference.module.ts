import { Controller, DynamicModule, HttpCode, HttpStatus, Module, Post } from '@nestjs/common';
import { AppModule } from '../../src/app.module';
import { AppConfig } from '../../src/config/config.module';

/**
 * The reference the accept rate is judged against: a route of the same app (same middleware, logging,
 * guards and global pipes, under /v1 like the API) that answers 202 and does no work.
 */
@Controller('v1/bench')
class NoopController {
  @Post('noop')
  @HttpCode(HttpStatus.ACCEPTED)
  accept(): { id: string; status: string } {
    return { id: 'x', status: 'queued' };
  }
}

@Module({})
export class NoopReferenceModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: NoopReferenceModule, imports: [AppModule.forRoot(config)], controllers: [NoopController] };
  }
}
