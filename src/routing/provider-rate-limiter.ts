import { Injectable } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../config/config.module';
import { RedisConnection } from '../redis/redis.module';
import { ProviderSkippedError } from './route';

/**
 * `*_RATE_LIMIT` messages per second per provider, counted in Redis so the limit holds across all
 * workers together. A provider at its limit is skipped (the message tries the next one, or waits).
 */
@Injectable()
export class ProviderRateLimiter {
  private readonly limiters: Map<string, RateLimiterRedis>;

  constructor(redis: RedisConnection, config: AppConfig) {
    this.limiters = new Map(
      Object.entries(config.providers.rateLimits).map(([name, perSecond]) => [
        name,
        new RateLimiterRedis({ storeClient: redis.client, points: perSecond, duration: 1, keyPrefix: 'mailroute:ratelimit' }),
      ]),
    );
  }

  /** The limit for `name` in messages per second, or null when it has none. */
  limitOf(name: string): number | null {
    return this.limiters.get(name)?.points ?? null;
  }

  /** Takes one send from the provider's budget; throws ProviderSkippedError when the second's budget is spent. */
  async take(name: string): Promise<void> {
    const limiter = this.limiters.get(name);
    if (!limiter) return;
    try {
      await limiter.consume(name);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new ProviderSkippedError(name, `rate limit of ${limiter.points}/s reached`, rejection.msBeforeNext);
    }
  }
}
