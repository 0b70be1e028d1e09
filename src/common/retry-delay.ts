/** Waits are capped so that a message never sits longer than an hour between two rounds. */
const MAX_DELAY_MS = 3_600_000;

/**
 * Exponential backoff with "equal jitter": half of each delay is fixed, half random, so messages that
 * failed together come back spread out instead of hitting a recovering provider all at once.
 */
export function retryDelay(round: number, baseMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(baseMs * 2 ** (round - 1), MAX_DELAY_MS);
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
