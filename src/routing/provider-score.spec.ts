import { PERFECT, afterOutcome, scoreAt } from './provider-score';

describe('provider score', () => {
  it('starts perfect and halves on each failure', () => {
    let score = scoreAt(PERFECT, 1_000, 60_000);
    expect(score).toBe(1);
    score = afterOutcome(score, false);
    score = afterOutcome(score, false);
    expect(score).toBe(0.25);
  });

  it('wins back a quarter of what is missing on each success', () => {
    expect(afterOutcome(0.2, true)).toBeCloseTo(0.4);
  });

  it('recovers over time with no news', () => {
    const stored = { score: 0.2, at: 0 };
    expect(scoreAt(stored, 0, 60_000)).toBeCloseTo(0.2);
    expect(scoreAt(stored, 60_000, 60_000)).toBeCloseTo(1 - 0.8 / Math.E);
    expect(scoreAt(stored, 600_000, 60_000)).toBeGreaterThan(0.999);
  });
});
