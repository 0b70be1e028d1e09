import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteLease(...keysThenArgs: (string | number)[]): Result<[number, number, number, number], Context>;
  }
}

/**
 * Takes up to `wanted` hits of the window at once (granted: what is left under the limit), counting the
 * grant as hits. A caller that is blocked, or finds nothing left, is counted as one more hit and blocked
 * for blockDuration, as @nest-lab/throttler-storage-redis's script does.
 * Returns { hits counted in the window, the window's ms left, granted, the block's ms left }.
 */
const LEASE = `
local hitKey, blockKey = KEYS[1], KEYS[2]
local ttl, limit, blockDuration, wanted = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local blockLeft = redis.call('PTTL', blockKey)
local granted = 0
if blockLeft <= 0 then
  granted = math.max(0, math.min(wanted, limit - tonumber(redis.call('GET', hitKey) or '0')))
end
local hits = redis.call('INCRBY', hitKey, math.max(granted, 1))
local windowLeft = redis.call('PTTL', hitKey)
if windowLeft <= 0 then
  redis.call('PEXPIRE', hitKey, ttl)
  windowLeft = ttl
end
if granted > 0 then return {hits, windowLeft, granted, 0} end
if blockLeft <= 0 then
  redis.call('SET', blockKey, 1, 'PX', blockDuration)
  blockLeft = blockDuration
end
return {hits, windowLeft, 0, blockLeft}`;

/** At most this share of a limit is held by one process at a time. */
const LEASE_SHARE = 10;
/** Past this many counters, those whose window is over are dropped when the next lease is taken. */
const SWEEP_ABOVE = 10_000;

/** What this process holds of one counter's window. */
interface Lease {
  windowEndsAt: number;
  /** Hits of the lease not used yet. */
  left: number;
  /** The window's hits in Redis when the lease was taken. */
  hitsAtLease: number;
  /** How many hits the next lease asks for. */
  size: number;
}

/**
 * API_RATE_LIMIT counted in Redis so that it holds across replicas, without a Redis round trip for most
 * requests: a process takes a lease of several hits of the window at once and spends them locally, then
 * takes the next. A caller's first request leases one hit; a lease that was spent doubles the next one,
 * up to a tenth of the limit, and one its window outlived halves it, so that leases follow how fast the
 * caller calls. Under a limit of 20, each lease is one hit: every request is counted in Redis.
 * The limit is never exceeded across replicas: every hit is counted in Redis before it is spent. A
 * replica may refuse while another still holds hits, at most a tenth of the limit each, so a caller can
 * be refused that much early.
 *
 * Written here because the libraries count in Redis on every request: @nestjs/throttler with
 * @nest-lab's storage (this replaces it) and rate-limiter-flexible (its in-memory block only spares the
 * calls of callers already over the limit). The round trip was about a tenth of a request's CPU.
 *
 * Keys are under `mailroute:throttle:`, the prefix an operator who shares a Redis relies on; the hash tag
 * keeps both keys of a counter in one slot.
 */
export class ThrottlerRedisStorage implements ThrottlerStorage {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly redis: Redis) {
    redis.defineCommand('mailrouteLease', { numberOfKeys: 2, lua: LEASE });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const counter = `mailroute:throttle:{${key}:${throttlerName}}`;
    const now = Date.now();
    const lease = this.leases.get(counter);
    if (lease && lease.left > 0 && now < lease.windowEndsAt) return spend(lease, now);
    return this.leaseAndSpend(counter, nextSize(lease, limit), { ttl, limit, blockDuration });
  }

  private async leaseAndSpend(
    counter: string,
    size: number,
    { ttl, limit, blockDuration }: { ttl: number; limit: number; blockDuration: number },
  ): Promise<ThrottlerStorageRecord> {
    const [hits, windowLeft, granted, blockLeft] = await this.redis.mailrouteLease(
      `${counter}:hits`,
      `${counter}:blocked`,
      ttl,
      limit,
      blockDuration,
      size,
    );
    const now = Date.now();
    if (granted === 0) {
      return { totalHits: hits, timeToExpire: seconds(windowLeft), isBlocked: true, timeToBlockExpire: seconds(blockLeft) };
    }
    if (this.leases.size > SWEEP_ABOVE) this.sweep(now);
    const lease = { windowEndsAt: now + windowLeft, left: granted, hitsAtLease: hits, size };
    this.leases.set(counter, lease);
    return spend(lease, now);
  }

  private sweep(now: number): void {
    for (const [counter, lease] of this.leases) if (lease.windowEndsAt <= now) this.leases.delete(counter);
  }
}

function spend(lease: Lease, now: number): ThrottlerStorageRecord {
  lease.left -= 1;
  return { totalHits: lease.hitsAtLease - lease.left, timeToExpire: seconds(lease.windowEndsAt - now), isBlocked: false, timeToBlockExpire: 0 };
}

/** Doubles after a lease that was spent, halves after one its window outlived, never past a tenth of the limit. */
function nextSize(lease: Lease | undefined, limit: number): number {
  if (!lease) return 1;
  const size = lease.left === 0 ? lease.size * 2 : Math.floor(lease.size / 2);
  return Math.max(1, Math.min(Math.floor(limit / LEASE_SHARE), size));
}

const seconds = (ms: number) => Math.ceil(ms / 1000);
