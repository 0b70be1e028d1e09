import Redis from 'ioredis';
import { useThrowawayRedis } from '../../test/support/redis';
import { pollUntil } from '../../test/support/poll';
import { ThrottlerRedisStorage } from './throttler-redis.storage';

const MINUTE = 60_000;

describe('ThrottlerRedisStorage', () => {
  const redis = useThrowawayRedis();
  const clients: Redis[] = [];

  afterAll(() => clients.forEach((client) => client.disconnect()));

  /** A storage on a connection of its own, as each replica has. */
  const replica = () => {
    const client = redis.server.client();
    clients.push(client);
    return new ThrottlerRedisStorage(client);
  };
  const leaseCalls = async () => {
    const stats = await redis.client.info('commandstats');
    return [...stats.matchAll(/^cmdstat_eval(?:sha)?:calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  };

  it('counts every request in Redis under a limit of 20, then blocks with the time to wait', async () => {
    const storage = replica();
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await storage.increment('key:a', MINUTE, 5, MINUTE, 'default'));
    expect(answers.map(({ isBlocked }) => isBlocked)).toEqual([false, false, false, false, false, true]);
    expect(answers.map(({ totalHits }) => totalHits)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(answers[5].timeToBlockExpire).toBeGreaterThan(0);
    expect(answers[5].timeToBlockExpire).toBeLessThanOrEqual(60);
  });

  it('spends leases locally: far fewer Redis calls than requests, and hits counted as they are spent', async () => {
    const storage = replica();
    const before = await leaseCalls();
    const answers = [];
    for (let i = 0; i < 500; i += 1) answers.push(await storage.increment('key:b', MINUTE, 1000, MINUTE, 'default'));
    expect(answers.every(({ isBlocked }) => !isBlocked)).toBe(true);
    expect(answers.map(({ totalHits }) => totalHits)).toEqual(Array.from({ length: 500 }, (_, n) => n + 1));
    // Leases of 1, 2, 4 ... 64, then 100 (a tenth of the limit): 11 calls for 500 requests.
    expect((await leaseCalls()) - before).toBeLessThanOrEqual(11);
  });

  it('never admits more than the limit across processes, and refuses early by at most a tenth of it per process', async () => {
    const replicas = [replica(), replica(), replica()];
    let admitted = 0;
    for (let i = 0; i < 600; i += 1) {
      const { isBlocked } = await replicas[i % 3].increment('key:c', MINUTE, 200, MINUTE, 'default');
      if (!isBlocked) admitted += 1;
    }
    expect(admitted).toBeLessThanOrEqual(200);
    expect(admitted).toBeGreaterThanOrEqual(200 - 3 * 20);
  });

  it('admits again once the window and the block are over', async () => {
    const storage = replica();
    for (let i = 0; i < 3; i += 1) await storage.increment('key:d', 300, 3, 300, 'default');
    expect((await storage.increment('key:d', 300, 3, 300, 'default')).isBlocked).toBe(true);
    await pollUntil(
      () => storage.increment('key:d', 300, 3, 300, 'default'),
      (answer) => !answer.isBlocked,
      { timeoutMs: 5_000 },
    );
  });

  it('keeps its counters under mailroute:throttle:, both keys of one in the same hash slot', async () => {
    await replica().increment('key:e', MINUTE, 1, MINUTE, 'default');
    await replica().increment('key:e', MINUTE, 1, MINUTE, 'default');
    const keys = (await redis.client.keys('*')).sort();
    expect(keys).toEqual(['mailroute:throttle:{key:e:default}:blocked', 'mailroute:throttle:{key:e:default}:hits']);
  });
});
