import { Injectable } from '@nestjs/common';
import { RedisConnection } from '../redis/redis.module';

const DISABLED = 'mailroute:providers:disabled';

/** Which providers an operator took out of rotation; kept in Redis so every worker obeys at once. */
@Injectable()
export class ProviderSwitchStore {
  constructor(private readonly redis: RedisConnection) {}

  async disabled(): Promise<Set<string>> {
    return new Set(await this.redis.client.smembers(DISABLED));
  }

  async disable(name: string): Promise<void> {
    await this.redis.client.sadd(DISABLED, name);
  }

  async enable(name: string): Promise<void> {
    await this.redis.client.srem(DISABLED, name);
  }
}
