import { retryDelay } from './retry-delay';

describe('retryDelay', () => {
  it('doubles each round, between half and all of the exponential delay', () => {
    expect([1, 2, 3, 4].map((round) => retryDelay(round, 1000, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((round) => retryDelay(round, 1000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('spreads messages that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelay(3, 1000)));
    expect(delays.size).toBeGreaterThan(40);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });

  it('never waits more than an hour', () => {
    expect(retryDelay(40, 1000, () => 1)).toBe(3_600_000);
  });
});
