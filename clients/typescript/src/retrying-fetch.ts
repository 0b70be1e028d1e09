/**
 * The one part of the client generation cannot write: trying a request again when mailroute says to.
 * 408, 429 and 503 mean "not now" (a request that timed out, the rate limit, a store briefly
 * unreachable), and a network error may mean the same. A request is tried again only when that is safe:
 * a read, or a POST with an Idempotency-Key, which mailroute answers at most once. A send without a key
 * gets a new one here, before its first try, so that its retries can never send twice.
 */
export interface RetryOptions {
  /** Tries after the first; 0 turns retrying off. Default 3. */
  retries?: number;
  /** The first wait when the answer has no Retry-After; it doubles with each try, with jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** The longest wait: an answer asking for longer is handed back instead. Default 30 s. */
  maxDelayMs?: number;
}

type Fetch = (request: Request) => Promise<Response>;

const RETRYABLE_STATUSES = new Set([408, 429, 503]);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** The operations that take an Idempotency-Key: sendEmail, sendBatch and resendEmail. */
const SENDS = /\/v1\/emails(?:\/batch|\/[^/]+\/resend)?\/?$/;

export function retryingFetch(fetchOnce: Fetch, { retries = 3, baseDelayMs = 500, maxDelayMs = 30_000 }: RetryOptions = {}): Fetch {
  const backoff = (attempt: number) => Math.min(maxDelayMs, backoffMs(attempt, baseDelayMs));
  return async (original) => {
    const request = withIdempotencyKey(original);
    const retrySafe = SAFE_METHODS.has(request.method) || request.headers.has('Idempotency-Key');
    for (let attempt = 1; ; attempt += 1) {
      const lastTry = !retrySafe || attempt > retries;
      let response: Response;
      try {
        response = await fetchOnce(request.clone());
      } catch (error) {
        if (lastTry) throw error;
        await sleep(backoff(attempt));
        continue;
      }
      if (lastTry || !RETRYABLE_STATUSES.has(response.status)) return response;
      const asked = retryAfterMs(response);
      if (asked !== undefined && asked > maxDelayMs) return response;
      await response.body?.cancel();
      await sleep(asked ?? backoff(attempt));
    }
  };
}

function withIdempotencyKey(request: Request): Request {
  if (request.method !== 'POST' || request.headers.has('Idempotency-Key') || !SENDS.test(new URL(request.url).pathname)) return request;
  const headers = new Headers(request.headers);
  headers.set('Idempotency-Key', crypto.randomUUID());
  return new Request(request, { headers });
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now; undefined without one. */
function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('Retry-After');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Exponential, with full jitter so that clients refused together do not come back together. */
const backoffMs = (attempt: number, baseDelayMs: number) => Math.random() * baseDelayMs * 2 ** (attempt - 1);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
