import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/config.module';
import { RedisConnection } from '../redis/redis.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRegistry } from './api-key.registry';
import { ApiThrottlerGuard, INBOUND_THROTTLER } from './api-throttler.guard';
import { ThrottlerRedisStorage } from './throttler-redis.storage';

export { ApiKeyRegistry } from './api-key.registry';
export { UNAUTHORIZED, scopeMissing } from './api-key.guard';
export { TOO_MANY } from './api-throttler.guard';
export { soleAuthorization } from './authorization-header';
export { Caller } from './caller.decorator';
export { Principal, LOCAL_OPERATOR } from './principal';
export { AdminOnly, RequireScope } from './require-scope.decorator';
export { IS_PUBLIC, Public } from './public.decorator';
export { ProviderWebhook } from './provider-webhook.decorator';
export { grants } from './principal';
export { isAllowedSender } from './sender-policy';

/** The API key check runs first, so that the rate limit can count per key. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) => {
        const { limit, inboundLimit, windowMs } = config.security.rateLimit;
        return {
          throttlers: [
            { ttl: windowMs, limit },
            // Without window headers on its answers: @nestjs/throttler would name them after the throttler
            // (X-RateLimit-Limit-inbound, Retry-After-inbound), which the API document does not have; its
            // 429 has the plain ones (ApiThrottlerGuard.throwThrottlingException).
            { name: INBOUND_THROTTLER, ttl: windowMs, limit: inboundLimit, setHeaders: false },
          ],
          storage: new ThrottlerRedisStorage(redis.client),
        };
      },
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
