import { useThrowawayRedis } from '../../test/support/redis';
import type { RedisConnection } from '../redis/redis.module';
import { ACTIVITY_MINUTES, ProviderStatsStore } from './provider-stats.store';

const MINUTE_MS = 60_000;
/** 10:15:30 on a day in 2026: half a minute into its minute. */
const NOW = Date.parse('2026-11-23T10:15:30.000Z');

describe('ProviderStatsStore', () => {
  const redis = useThrowawayRedis();
  let store: ProviderStatsStore;

  beforeAll(() => {
    store = new ProviderStatsStore({ client: redis.client } as RedisConnection);
  });

  it('shows the last hour as a minute each, oldest first, the current minute last, zeros where nothing was called', async () => {
    const [minutes] = await store.activity(['p'], NOW);
    expect(minutes).toHaveLength(ACTIVITY_MINUTES);
    expect(minutes[0]).toEqual({ at: '2026-11-23T09:16:00.000Z', sent: 0, failed: 0 });
    expect(minutes.at(-1)).toEqual({ at: '2026-11-23T10:15:00.000Z', sent: 0, failed: 0 });
  });

  it('counts each call in its minute, as sent or failed the way the success rate counts it, for its provider only', async () => {
    await store.record('p', true, 10, NOW);
    await store.record('p', true, 10, NOW - 25_000);
    await store.record('p', false, 10, NOW + 29_000);
    await store.record('p', false, 10, NOW - 59 * MINUTE_MS);
    await store.record('q', true, 10, NOW);

    const [p, q] = await store.activity(['p', 'q'], NOW);
    expect(p.at(-1)).toEqual({ at: '2026-11-23T10:15:00.000Z', sent: 2, failed: 1 });
    expect(p[0]).toEqual({ at: '2026-11-23T09:16:00.000Z', sent: 0, failed: 1 });
    expect(q.at(-1)).toMatchObject({ sent: 1, failed: 0 });
    expect(await store.recent('p')).toMatchObject({ calls: 4, successRate: 0.5 });
  });

  it('leaves a minute out once it is over an hour old, and lets Redis forget it a little later', async () => {
    await store.record('p', true, 10, NOW - ACTIVITY_MINUTES * MINUTE_MS);
    const [minutes] = await store.activity(['p'], NOW);
    expect(minutes.every(({ sent, failed }) => sent === 0 && failed === 0)).toBe(true);

    const [minuteKey] = await redis.client.keys('mailroute:providers:activity:*');
    const ttl = await redis.client.ttl(minuteKey);
    expect(ttl).toBeGreaterThan(ACTIVITY_MINUTES * 60);
    expect(ttl).toBeLessThanOrEqual(ACTIVITY_MINUTES * 60 + 300);
  });
});
