import { ProviderHealth } from './email-provider';
import { ProviderHealthCache } from './provider-health.cache';

describe('ProviderHealthCache', () => {
  let clock: number;
  let probes: number;
  let answer: ProviderHealth;
  const cache = () =>
    new ProviderHealthCache(
      1000,
      async () => {
        probes += 1;
        return answer;
      },
      () => clock,
    );

  beforeEach(() => {
    clock = 0;
    probes = 0;
    answer = { status: 'up' };
  });

  it('probes once per interval', async () => {
    const health = cache();
    expect(await health.current()).toEqual({ status: 'up' });
    clock = 999;
    await health.current();
    expect(probes).toBe(1);
    clock = 1000;
    answer = { status: 'down', error: 'HTTP 401' };
    expect(await health.current()).toEqual({ status: 'down', error: 'HTTP 401' });
    expect(probes).toBe(2);
  });

  it('shares one probe between concurrent callers', async () => {
    const health = cache();
    await Promise.all([health.current(), health.current(), health.current()]);
    expect(probes).toBe(1);
  });

  it('reports a probe that throws as down, with the reason', async () => {
    const health = new ProviderHealthCache(1000, async () => Promise.reject(new Error('ECONNREFUSED')), () => clock);
    expect(await health.current()).toEqual({ status: 'down', error: 'check failed: ECONNREFUSED' });
  });

  it('is down at once after markDown, until the interval passes and a probe says up', async () => {
    const health = cache();
    await health.current();
    clock = 10;
    health.markDown('credentials refused (HTTP 401)');
    expect(await health.current()).toEqual({ status: 'down', error: 'credentials refused (HTTP 401)' });
    clock = 1010;
    expect(await health.current()).toEqual({ status: 'up' });
  });
});
