import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnection } from './redis-connection';

/** The two server settings that decide whether Redis can lose a message mailroute has accepted. */
export interface DurabilitySettings {
  maxmemoryPolicy: string;
  appendonly: string;
}

/**
 * Reads the connected Redis's eviction policy and persistence once at start and warns about settings
 * that can lose accepted messages. Managed Redis often disables CONFIG; then it says so in one line and
 * the start goes on, since the settings may well be right.
 */
@Injectable()
export class RedisDurabilityCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Redis');

  constructor(private readonly redis: RedisConnection) {}

  async onApplicationBootstrap(): Promise<void> {
    let settings: DurabilitySettings;
    try {
      settings = await readDurabilitySettings(this.redis.client);
    } catch (error) {
      this.logger.log(
        `Could not check Redis's maxmemory-policy and appendonly (CONFIG GET: ${(error as Error).message}); ` +
          'make sure it runs with maxmemory-policy noeviction and appendonly yes.',
      );
      return;
    }
    durabilityWarnings(settings).forEach((warning) => this.logger.warn(warning));
  }
}

export function durabilityWarnings({ maxmemoryPolicy, appendonly }: DurabilitySettings): string[] {
  const warnings: string[] = [];
  if (maxmemoryPolicy !== 'noeviction') {
    warnings.push(
      `Redis runs with maxmemory-policy ${maxmemoryPolicy}: when full, it may evict queued jobs and message ` +
        'records, and accepted messages are then lost. Set maxmemory-policy noeviction: a full Redis then ' +
        'refuses new messages (mailroute answers 503) instead of dropping stored ones.',
    );
  }
  if (appendonly !== 'yes') {
    warnings.push(
      'Redis runs with appendonly no: an accepted message can be lost when Redis restarts. ' +
        'Set appendonly yes (with appendfsync everysec, a crash loses at most about a second of writes).',
    );
  }
  return warnings;
}

// One CONFIG GET per setting: asking for several at once needs Redis 7.
async function readDurabilitySettings(client: Redis): Promise<DurabilitySettings> {
  const [maxmemoryPolicy, appendonly] = await Promise.all(
    ['maxmemory-policy', 'appendonly'].map(async (name) => {
      const [, value] = (await client.config('GET', name)) as string[];
      if (value === undefined) throw new Error(`no value for ${name}`);
      return value;
    }),
  );
  return { maxmemoryPolicy, appendonly };
}
