import type { Response, Test } from 'supertest';

/** A client that keeps getting 429 this many times in a row is not being limited, it is refused. */
const MOST_WAITS = 20;

/**
 * What `send` answers, sent again after the Retry-After of each 429, as a client that keeps to the API's
 * rate limit does: for a test about something else that sends faster than API_RATE_LIMIT lets one
 * client. Tests about the limit read the 429 themselves.
 */
export async function keepingToRateLimit(send: () => Test): Promise<Response> {
  for (let waits = 0; ; waits += 1) {
    const response = await send();
    if (response.status !== 429 || waits === MOST_WAITS) return response;
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers['retry-after']) * 1000));
  }
}
