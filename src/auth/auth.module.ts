import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { AppConfig } from '../config/config.module';
import { RedisConnection } from '../redis/redis.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRegistry } from './api-key.registry';
import { ApiThrottlerGuard } from './api-throttler.guard';

export { ApiKeyRegistry } from './api-key.registry';
export { soleAuthorization } from './authorization-header';
export { Caller } from './caller.decorator';
export { Principal, LOCAL_OPERATOR } from './principal';
export { AdminOnly, RequireScope } from './require-scope.decorator';
export { IS_PUBLIC, Public } from './public.decorator';
export { grants } from './principal';
export { isAllowedSender } from './sender-policy';

/** The API key check runs first, so that the rate limit can count per key. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) => ({
        throttlers: [{ ttl: config.security.rateLimit.windowMs, limit: config.security.rateLimit.limit }],
        skipIf: () => config.security.rateLimit.limit === 0,
        storage: new ThrottlerStorageRedisService(redis.client),
      }),
    }),
  ],
  providers: [
    ApiKeyRegistry,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ApiThrottlerGuard },
  ],
  exports: [ApiKeyRegistry],
})
export class AuthModule {}
