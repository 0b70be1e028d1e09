import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';

/**
 * @nest-lab's Redis storage (its script, one round trip per request) under mailroute's key names. Its own
 * names (`{key:name}:hits`) would be the only keys mailroute writes outside `mailroute:`, the prefix an
 * operator who shares a Redis relies on. The hash tag still keeps both keys of a count in one slot.
 */
export class ThrottlerRedisStorage extends ThrottlerStorageRedisService {
  override async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorageRedisService['increment']> {
    const counter = `mailroute:throttle:{${key}:${throttlerName}}`;
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = (await this.redis.call(
      'eval',
      this.scriptSrc,
      2,
      `${counter}:hits`,
      `${counter}:blocked`,
      throttlerName,
      ttl,
      limit,
      blockDuration,
    )) as number[];
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }
}
