import { ExponentialBackoff, IBackoff, halfJitterGenerator } from 'cockatiel';

/** Waits are capped so that a message never sits longer than an hour between two rounds. */
const MAX_DELAY_MS = 3_600_000;

/**
 * The wait before retry round `round` (1, 2, ...): exponential from `baseMs`, with cockatiel's half
 * jitter (half of each delay fixed, half random), so messages that failed together come back spread out
 * instead of hitting a recovering provider all at once. Walked from the first round each time, so no
 * state is shared between messages.
 */
export function retryBackoff(round: number, baseMs: number): number {
  let backoff: IBackoff<unknown> = new ExponentialBackoff({
    generator: halfJitterGenerator,
    initialDelay: baseMs,
    maxDelay: MAX_DELAY_MS,
  }).next();
  for (let step = 1; step < round; step++) backoff = backoff.next(undefined);
  return backoff.duration;
}
