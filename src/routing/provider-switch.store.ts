import { Injectable } from '@nestjs/common';
import { RedisConnection } from '../redis/redis.module';

const DISABLED = 'mailroute:providers:disabled';
const pauseKey = (name: string) => `mailroute:providers:paused:${name}`;

/**
 * Which providers are out of rotation, kept in Redis so every worker obeys at once: switched off by an
 * operator until switched on again, or paused for as long as the provider's 429 Retry-After asked.
 */
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

  async pause(name: string, ms: number): Promise<void> {
    await this.redis.client.set(pauseKey(name), '1', 'PX', Math.max(1, Math.round(ms)));
  }

  /** Milliseconds the provider is still paused for; 0 when it is not. */
  async pausedForMs(name: string): Promise<number> {
    return Math.max(0, await this.redis.client.pttl(pauseKey(name)));
  }
}
