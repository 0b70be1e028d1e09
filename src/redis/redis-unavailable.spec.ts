import Redis, { ReplyError } from 'ioredis';
import { isRedisUnavailable } from './redis-unavailable';

describe('isRedisUnavailable', () => {
  it.each([
    "Stream isn't writeable and enableOfflineQueue options is false",
    'Command timed out',
    'Connection is closed.',
    'connect ECONNREFUSED 127.0.0.1:6379',
    'connect ETIMEDOUT',
    "Socket timeout. Expecting data, but didn't receive any in 1000ms.",
    'Ready check failed: LOADING Redis is loading the dataset in memory',
    'All sentinels are unreachable. Retrying from scratch after 10ms.',
  ])('takes ioredis\'s "%s" for an unreachable Redis', (message) => {
    expect(isRedisUnavailable(new Error(message))).toBe(true);
  });

  it.each(['OOM command not allowed when used memory > maxmemory', 'LOADING Redis is loading', 'READONLY You can\'t write against a read only replica.'])(
    'takes the reply "%s" for a Redis that cannot serve now',
    (message) => {
      expect(isRedisUnavailable(new ReplyError(message))).toBe(true);
    },
  );

  it('takes a command aborted by a lost connection, after or without retries', () => {
    const aborted = Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' });
    expect(isRedisUnavailable(aborted)).toBe(true);
    expect(isRedisUnavailable(Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' }))).toBe(true);
  });

  it('leaves replies that are bugs, and every other error, alone', () => {
    expect(isRedisUnavailable(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isRedisUnavailable(new ReplyError('ERR unknown command'))).toBe(false);
    expect(isRedisUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isRedisUnavailable('Command timed out')).toBe(false);
  });

  it('recognises what a real client says with its offline queue off and nothing listening', async () => {
    const client = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => undefined);
    const failure = await client.get('x').catch((error: unknown) => error);
    client.disconnect();
    expect(isRedisUnavailable(failure)).toBe(true);
  });
});
