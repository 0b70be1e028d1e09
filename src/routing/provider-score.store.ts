import { Injectable } from '@nestjs/common';
import { tickBatched } from '../common/tick-batched';
import { AppConfig } from '../config/config.module';
import { RedisConnection } from '../redis/redis.module';
import { PERFECT, StoredScore, afterOutcome, scoreAt } from './provider-score';

/**
 * Time constants after which a score has recovered to within 0.005% of perfect: a missing score reads
 * as perfect, so the key can go then.
 */
const FORGET_AFTER_RECOVERIES = 10;

/**
 * Every provider's score, shared by all workers. Updates read and write without a lock: two workers
 * recording at the same instant may lose one update, which only makes the score a little slower to move.
 */
@Injectable()
export class ProviderScoreStore {
  private readonly recoveryMs: number;
  /**
   * The score strategy reads every provider's score for each delivery: the deliveries that start in the
   * same tick read each once.
   */
  private readonly read: (name: string) => Promise<StoredScore>;

  constructor(
    private readonly redis: RedisConnection,
    config: AppConfig,
  ) {
    this.recoveryMs = config.providers.routing.scoreRecoveryMs;
    this.read = tickBatched((name) => this.readNow(name));
  }

  async current(names: readonly string[], now = Date.now()): Promise<Record<string, number>> {
    const stored = await Promise.all(names.map((name) => this.read(name)));
    return Object.fromEntries(names.map((name, index) => [name, scoreAt(stored[index], now, this.recoveryMs)]));
  }

  async record(name: string, providerWorked: boolean, now = Date.now()): Promise<void> {
    const current = scoreAt(await this.read(name), now, this.recoveryMs);
    // A success leaves a perfect score perfect, which is what a missing key reads as: nothing to write,
    // and so no round trip for the sends of a healthy provider.
    if (providerWorked && current === 1) return;
    await this.redis.client
      .multi()
      .hset(key(name), { score: afterOutcome(current, providerWorked), at: now })
      .pexpire(key(name), this.recoveryMs * FORGET_AFTER_RECOVERIES)
      .exec();
  }

  private async readNow(name: string): Promise<StoredScore> {
    const { score, at } = await this.redis.client.hgetall(key(name));
    return score === undefined ? PERFECT : { score: Number(score), at: Number(at) };
  }
}

const key = (name: string) => `mailroute:providers:score:${name}`;
