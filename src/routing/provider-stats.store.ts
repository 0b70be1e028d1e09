import { Injectable } from '@nestjs/common';
import type { Result } from 'ioredis';
import { RedisConnection } from '../redis/redis.module';

/** How many recent calls per provider the success rate and latency are computed over. */
const WINDOW = 100;

/** Calls older than this are not "recent" any more: a provider unused for a week shows no calls. */
const KEEP_SECONDS = 7 * 86_400;

/** The activity shown: one count per minute for the last hour, the current minute last. */
export const ACTIVITY_MINUTES = 60;

const MINUTE_MS = 60_000;

/** A minute's counts outlive the hour they are shown in by a little, so the oldest one shown is whole. */
const ACTIVITY_KEEP_SECONDS = ACTIVITY_MINUTES * 60 + 300;

/**
 * One round trip per call, as every delivery makes one: the window of recent calls and the minute's
 * count together. KEYS: the provider's list, its minute's counts. ARGV: the call (`ok:ms`), the window,
 * seconds to keep the list, the count to add to (`sent` or `failed`), seconds to keep the minute.
 */
const RECORD = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, ARGV[2] - 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
redis.call('EXPIRE', KEYS[2], ARGV[5])`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteProviderCall(
      key: string,
      minuteKey: string,
      call: string,
      window: number,
      keepSeconds: number,
      count: 'sent' | 'failed',
      minuteKeepSeconds: number,
    ): Result<null, Context>;
  }
}

export interface RecentStats {
  /** Calls in the window; 0 before the provider was ever called. */
  calls: number;
  /** Share of those calls the provider accepted, 0..1; null without calls. */
  successRate: number | null;
  /** Mean duration of those calls in milliseconds; null without calls. */
  meanLatencyMs: number | null;
}

/** A provider's calls in one minute, counted as `recent` counts them: `failed` are the provider's own failures. */
export interface MinuteActivity {
  /** The minute's start. */
  at: string;
  sent: number;
  failed: number;
}

/** The last calls to each provider, shared by all workers, for the providers listing. */
@Injectable()
export class ProviderStatsStore {
  constructor(private readonly redis: RedisConnection) {
    redis.client.defineCommand('mailrouteProviderCall', { numberOfKeys: 2, lua: RECORD });
  }

  /** `succeeded`: the provider did its part (accepted the message, or refused the message itself). */
  async record(provider: string, succeeded: boolean, durationMs: number, now = Date.now()): Promise<void> {
    await this.redis.client.mailrouteProviderCall(
      key(provider),
      minuteKey(provider, minuteOf(now)),
      `${succeeded ? 1 : 0}:${Math.round(durationMs)}`,
      WINDOW,
      KEEP_SECONDS,
      succeeded ? 'sent' : 'failed',
      ACTIVITY_KEEP_SECONDS,
    );
  }

  async recent(provider: string): Promise<RecentStats> {
    const entries = (await this.redis.client.lrange(key(provider), 0, -1)).map((entry) => entry.split(':').map(Number));
    if (entries.length === 0) return { calls: 0, successRate: null, meanLatencyMs: null };
    const successes = entries.filter(([ok]) => ok === 1).length;
    const totalMs = entries.reduce((sum, [, ms]) => sum + ms, 0);
    return {
      calls: entries.length,
      successRate: successes / entries.length,
      meanLatencyMs: Math.round(totalMs / entries.length),
    };
  }

  /** Each provider's counts for each minute of the last hour, oldest first, a minute without calls as zeros; one round trip. */
  async activity(providers: readonly string[], now = Date.now()): Promise<MinuteActivity[][]> {
    const minutes = lastHour(now);
    const pipeline = this.redis.client.pipeline();
    providers.forEach((provider) => minutes.forEach((minute) => pipeline.hmget(minuteKey(provider, minute), 'sent', 'failed')));
    const answers = (await pipeline.exec()) ?? [];
    return providers.map((_, index) =>
      minutes.map((minute, offset) => {
        const [error, counts] = answers[index * minutes.length + offset];
        if (error) throw error;
        const [sent, failed] = counts as (string | null)[];
        return { at: new Date(minute).toISOString(), sent: Number(sent ?? 0), failed: Number(failed ?? 0) };
      }),
    );
  }
}

const key = (provider: string) => `mailroute:providers:stats:${provider}`;

/** `minute`: the minute's start in epoch milliseconds. */
const minuteKey = (provider: string, minute: number) => `mailroute:providers:activity:${provider}:${minute}`;

const minuteOf = (at: number) => Math.floor(at / MINUTE_MS) * MINUTE_MS;

/** The starts of the last hour's minutes, oldest first, the one `now` is in last. */
const lastHour = (now: number) => Array.from({ length: ACTIVITY_MINUTES }, (_, n) => minuteOf(now) - (ACTIVITY_MINUTES - 1 - n) * MINUTE_MS);
