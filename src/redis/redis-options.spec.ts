import { redisConnectionOptions } from './redis-options';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const sentinel = { sentinels: [{ host: 'sentinel-0', port: 26379 }, { host: 'sentinel-1', port: 26379 }], name: 'mymaster' };

describe('redisConnectionOptions', () => {
  it('reads host and port from a plain URL, with the default port when it names none', () => {
    expect(redisConnectionOptions({ url: 'redis://redis.internal:6380' })).toEqual({ host: 'redis.internal', port: 6380 });
    expect(redisConnectionOptions({ url: 'redis://redis.internal' })).toEqual({ host: 'redis.internal', port: 6379 });
  });

  it('reads user, password (percent-decoded), database and TLS with the configured CA', () => {
    expect(redisConnectionOptions({ url: 'rediss://mailroute:p%40ss%2Fw0rd@redis.internal:6380/5', tlsCa: CA })).toEqual({
      host: 'redis.internal',
      port: 6380,
      username: 'mailroute',
      password: 'p@ss/w0rd',
      db: 5,
      tls: { ca: CA },
    });
  });

  it('takes a password without a user, and trusts the public CAs over rediss:// when no CA is configured', () => {
    expect(redisConnectionOptions({ url: 'rediss://:s3cret@redis.internal/0' })).toEqual({
      host: 'redis.internal',
      port: 6379,
      password: 's3cret',
      db: 0,
      tls: {},
    });
  });

  it('ignores the CA for a plain redis:// URL', () => {
    expect(redisConnectionOptions({ url: 'redis://redis.internal', tlsCa: CA })).not.toHaveProperty('tls');
  });

  it('asks the sentinels for the master, with password, database and TLS from the URL', () => {
    const options = redisConnectionOptions({
      url: 'rediss://:master-pass@ignored-host:1234/3',
      sentinel: { ...sentinel, password: 'sentinel-pass' },
      tlsCa: CA,
    });
    expect(options).toEqual({
      sentinels: sentinel.sentinels,
      name: 'mymaster',
      sentinelPassword: 'sentinel-pass',
      password: 'master-pass',
      db: 3,
      tls: { ca: CA },
      enableTLSForSentinelMode: true,
    });
  });

  it('asks the sentinels for the master without REDIS_URL: no credentials, no TLS', () => {
    expect(redisConnectionOptions({ sentinel })).toEqual({
      sentinels: sentinel.sentinels,
      name: 'mymaster',
      sentinelPassword: undefined,
      enableTLSForSentinelMode: false,
    });
  });

  it('refuses a path that is not a database number, without repeating the password', () => {
    const build = () => redisConnectionOptions({ url: 'redis://:hunter22@redis.internal/mail' });
    expect(build).toThrow('REDIS_URL ends in "/mail", which is not a database number (such as /0)');
    expect(build).not.toThrow(/hunter22/);
  });
});
