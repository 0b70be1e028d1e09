import { retryBackoff } from './retry-backoff';

const HOUR_MS = 3_600_000;
const sample = (round: number, baseMs = 1000) => Array.from({ length: 50 }, () => retryBackoff(round, baseMs));

describe('retryBackoff', () => {
  it('doubles each round: every delay lies between half and all of base × 2^(round - 1)', () => {
    for (const round of [1, 2, 3, 4, 5]) {
      const full = 1000 * 2 ** (round - 1);
      for (const delay of sample(round)) {
        expect(delay).toBeGreaterThanOrEqual(full / 2);
        expect(delay).toBeLessThanOrEqual(full);
      }
    }
  });

  it('grows: any delay of a round is at least any delay of the round before', () => {
    for (const round of [1, 2, 3, 4, 5]) {
      expect(Math.min(...sample(round + 1))).toBeGreaterThanOrEqual(Math.max(...sample(round)));
    }
  });

  it('spreads messages that failed together', () => {
    expect(new Set(sample(3)).size).toBeGreaterThan(40);
  });

  it('never waits more than an hour, and still spreads the capped rounds', () => {
    const capped = sample(40);
    for (const delay of capped) {
      expect(delay).toBeGreaterThanOrEqual(HOUR_MS / 2);
      expect(delay).toBeLessThanOrEqual(HOUR_MS);
    }
    expect(new Set(capped).size).toBeGreaterThan(40);
    expect(retryBackoff(10_000, 1000)).toBeLessThanOrEqual(HOUR_MS);
  });
});
