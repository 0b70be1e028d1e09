import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteThrottle(...keysThenArgs: (string | number)[]): Result<number[], Context>;
  }
}

/**
 * @nest-lab's Redis storage (its script, one round trip per request) under mailroute's key names. Its own
 * names (`{key:name}:hits`) would be the only keys mailroute writes outside `mailroute:`, the prefix an
 * operator who shares a Redis relies on. The hash tag still keeps both keys of a count in one slot.
 * The script runs as a command of the client, so that it travels as its SHA1 (EVALSHA): @nest-lab sends
 * its whole text (a kilobyte) with every request, for Redis to hash each time.
 */
export class ThrottlerRedisStorage extends ThrottlerStorageRedisService {
  constructor(redis: Redis) {
    super(redis);
    redis.defineCommand('mailrouteThrottle', { numberOfKeys: 2, lua: this.scriptSrc });
  }

  override async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorageRedisService['increment']> {
    const counter = `mailroute:throttle:{${key}:${throttlerName}}`;
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = await (this.redis as Redis).mailrouteThrottle(
      `${counter}:hits`,
      `${counter}:blocked`,
      throttlerName,
      ttl,
      limit,
      blockDuration,
    );
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }
}
