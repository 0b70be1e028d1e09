import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { RedisConnection } from './redis-connection';
import { RedisDurabilityCheck } from './redis-durability.check';
import { RedisOutageInterceptor } from './redis-outage.interceptor';

@Global()
@Module({
  providers: [
    { provide: RedisConnection, inject: [AppConfig], useFactory: RedisConnection.open },
    RedisDurabilityCheck,
    { provide: APP_INTERCEPTOR, useClass: RedisOutageInterceptor },
  ],
  exports: [RedisConnection],
})
export class RedisModule {}

export { RedisConnection } from './redis-connection';
export { isRedisUnavailable } from './redis-unavailable';
export { WhenRedisDown, genericOutageMessage, outageException } from './when-redis-down.decorator';
