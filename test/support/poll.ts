/**
 * Calls `read` until `done` accepts its result, and returns that result; fails with the last value seen
 * when the deadline passes. Tests wait for states this way, never by sleeping. Every 50 ms by default:
 * 20 reads a second leave most of the default API_RATE_LIMIT (50 a second per client) to the test itself.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 10_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    last = await read();
  }
  return last;
}
