/**
 * A provider's health score in [0, 1]: 1 is a provider that has not been failing. Each provider-level
 * failure halves it, each success wins back a quarter of what is missing, and with no news it recovers
 * towards 1 exponentially (time constant `recoveryMs`), so a provider that failed long ago is trusted
 * again without having to be tried first.
 */
export interface StoredScore {
  score: number;
  /** When `score` was computed, in ms since the epoch. */
  at: number;
}

export const PERFECT: StoredScore = { score: 1, at: 0 };

export function scoreAt({ score, at }: StoredScore, now: number, recoveryMs: number): number {
  const elapsed = Math.max(0, now - at);
  return 1 - (1 - score) * Math.exp(-elapsed / recoveryMs);
}

export function afterOutcome(current: number, providerWorked: boolean): number {
  return providerWorked ? current + (1 - current) * 0.25 : current * 0.5;
}
