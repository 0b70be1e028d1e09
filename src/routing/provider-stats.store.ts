import { Injectable } from '@nestjs/common';
import type { Result } from 'ioredis';
import { RedisConnection } from '../redis/redis.module';

/** How many recent calls per provider the success rate and latency are computed over. */
const WINDOW = 100;

/** Calls older than this are not "recent" any more: a provider unused for a week shows no calls. */
const KEEP_SECONDS = 7 * 86_400;

/** KEYS: the provider's list. ARGV: the call (`ok:ms`), the window, seconds to keep the list. */
const RECORD = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, ARGV[2] - 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteProviderCall(key: string, call: string, window: number, keepSeconds: number): Result<null, Context>;
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

/** The last calls to each provider, shared by all workers, for the providers listing. */
@Injectable()
export class ProviderStatsStore {
  constructor(private readonly redis: RedisConnection) {
    redis.client.defineCommand('mailrouteProviderCall', { numberOfKeys: 1, lua: RECORD });
  }

  async record(provider: string, succeeded: boolean, durationMs: number): Promise<void> {
    await this.redis.client.mailrouteProviderCall(key(provider), `${succeeded ? 1 : 0}:${Math.round(durationMs)}`, WINDOW, KEEP_SECONDS);
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
}

const key = (provider: string) => `mailroute:providers:stats:${provider}`;
