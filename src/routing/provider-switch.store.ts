import { Injectable } from '@nestjs/common';
import type { Result } from 'ioredis';
import { tickBatched } from '../common/tick-batched';
import { RedisConnection } from '../redis/redis.module';

// Kept without expiry: an operator's switch holds until the operator turns it back, and the set holds
// at most one name per provider.
const DISABLED = 'mailroute:providers:disabled';
const pauseKey = (name: string) => `mailroute:providers:paused:${name}`;
/** MAIL_PROVIDERS is a comma-separated list, so no provider's name holds a comma. */
const NAME_SEPARATOR = ',';

/**
 * The operator switches and every named provider's pause, read in one step.
 * KEYS: the disabled set, then each provider's pause key. Returns the disabled names, then each pause's
 * remaining milliseconds (negative when there is none), in KEYS order.
 */
const SNAPSHOT = `
local pauses = {}
for k = 2, #KEYS do pauses[k - 1] = redis.call('PTTL', KEYS[k]) end
return {redis.call('SMEMBERS', KEYS[1]), pauses}`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteSwitches(keyCount: number, ...keys: string[]): Result<[string[], number[]], Context>;
  }
}

/** Which providers were out of rotation when the snapshot was read, and for how long. */
export class SwitchSnapshot {
  constructor(
    private readonly disabledNames: ReadonlySet<string>,
    private readonly pauses: ReadonlyMap<string, number>,
  ) {}

  isEnabled(name: string): boolean {
    return !this.disabledNames.has(name);
  }

  /** Milliseconds the provider is still paused for; 0 when it is not. */
  pausedForMs(name: string): number {
    return Math.max(0, this.pauses.get(name) ?? 0);
  }
}

/**
 * Which providers are out of rotation, kept in Redis so every worker obeys at once: switched off by an
 * operator until switched on again, or paused for as long as the provider's 429 Retry-After asked.
 */
@Injectable()
export class ProviderSwitchStore {
  /** Keyed by the names, joined: deliveries in the same tick ask about the same providers. */
  private readonly snapshots: (names: string) => Promise<SwitchSnapshot>;

  constructor(private readonly redis: RedisConnection) {
    redis.client.defineCommand('mailrouteSwitches', { lua: SNAPSHOT });
    this.snapshots = tickBatched((joined) => this.read(joined.split(NAME_SEPARATOR)));
  }

  /**
   * One command however many providers, and one for all the deliveries that ask in the same tick: a
   * delivery reads this for every message.
   */
  snapshot(names: readonly string[]): Promise<SwitchSnapshot> {
    return this.snapshots(names.join(NAME_SEPARATOR));
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

  private async read(names: string[]): Promise<SwitchSnapshot> {
    const keys = [DISABLED, ...names.map(pauseKey)];
    const [disabled, pauses] = await this.redis.client.mailrouteSwitches(keys.length, ...keys);
    return new SwitchSnapshot(new Set(disabled), new Map(names.map((name, index) => [name, pauses[index]])));
  }
}
