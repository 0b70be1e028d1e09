/** How far a signed call's timestamp may be from now, either way, for the call to be taken. */
export const FRESHNESS_SECONDS = 300;

/**
 * How long a used token or event id is remembered: a call first seen at the earliest moment its
 * timestamp allows (FRESHNESS_SECONDS before it) can still be replayed until FRESHNESS_SECONDS after it.
 */
export const REPLAY_WINDOW_SECONDS = 2 * FRESHNESS_SECONDS;

/** Seconds since 1970, digits only, as both providers send them. */
export const WHOLE_SECONDS = /^\d{1,15}$/;

/**
 * Digits only: `Number()` turns anything else into NaN, which compares as "not too old", and a Mailgun
 * signature covers timestamp and token run together, so the boundary between them can be moved.
 */
export function isFresh(timestamp: string, now = Math.floor(Date.now() / 1000)): boolean {
  return WHOLE_SECONDS.test(timestamp) && Math.abs(now - Number(timestamp)) <= FRESHNESS_SECONDS;
}
