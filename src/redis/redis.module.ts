import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/config.module';
import { RedisConnection } from './redis-connection';
import { RedisDurabilityCheck } from './redis-durability.check';

@Global()
@Module({
  providers: [
    { provide: RedisConnection, inject: [AppConfig], useFactory: (config: AppConfig) => RedisConnection.open(config) },
    RedisDurabilityCheck,
  ],
  exports: [RedisConnection],
})
export class RedisModule {}

export { RedisConnection } from './redis-connection';
export { freePort } from './redis-server.process';
export { isRedisUnavailable } from './redis-unavailable';
export { ExplainedOutage, WhenRedisDown, outageException, requestOutage } from './when-redis-down.decorator';
