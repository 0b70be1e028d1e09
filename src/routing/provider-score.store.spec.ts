import { useThrowawayRedis } from '../../test/support/redis';
import type { AppConfig } from '../config/config.module';
import type { RedisConnection } from '../redis/redis.module';
import { ProviderScoreStore } from './provider-score.store';

const RECOVERY_MS = 60_000;

describe('ProviderScoreStore', () => {
  const redis = useThrowawayRedis();
  let store: ProviderScoreStore;

  beforeAll(() => {
    const config = { providers: { routing: { scoreRecoveryMs: RECOVERY_MS } } } as AppConfig;
    store = new ProviderScoreStore({ client: redis.client } as RedisConnection, config);
  });

  it('writes nothing for a success on a perfect score, which a missing score reads as', async () => {
    await store.record('p', true);
    expect(await redis.client.keys('*')).toEqual([]);
    expect(await store.current(['p'])).toEqual({ p: 1 });
  });

  it('halves the score on a failure, wins back a quarter of what is missing on a success, and keeps it for ten recoveries', async () => {
    const now = 1_000_000;
    await store.record('p', false, now);
    expect((await store.current(['p'], now)).p).toBeCloseTo(0.5);
    await store.record('p', true, now);
    expect((await store.current(['p'], now)).p).toBeCloseTo(0.625);
    const ttl = await redis.client.pttl('mailroute:providers:score:p');
    expect(ttl).toBeGreaterThan(9 * RECOVERY_MS);
    expect(ttl).toBeLessThanOrEqual(10 * RECOVERY_MS);
  });
});
