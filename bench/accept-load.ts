import autocannon from 'autocannon';
import { newApiKey } from '../test/support/api-keys';

/** The short email the accept benchmarks post. */
export const BENCH_EMAIL = { from: 'bench@example.com', to: 'someone@example.net', subject: 'Benchmark', text: 'Hello from the bench.' };

/**
 * Requests carry API keys, as in production, so that the key check and the per-key rate limit (its
 * Redis call on every request) are part of what is measured. The load comes from this many clients in
 * turn, as many callers' traffic does: each key stays under the default API_RATE_LIMIT (50 a second).
 */
const CLIENTS = 100;
const clientKeys = Array.from({ length: CLIENTS }, (_, n) => newApiKey(`bench-${n}`, 'send'));
/** API_KEYS for the service under load: the clients' entries. */
export const CLIENT_API_KEYS = clientKeys.map(({ entry }) => entry).join(',');
let turn = 0;
const nextClient = (request: autocannon.Request): autocannon.Request => ({
  ...request,
  headers: { ...request.headers, authorization: clientKeys[turn++ % CLIENTS].bearer },
});

/** `body` as JSON to `url` from `connections` connections for `durationS` seconds, each request with the next client's key. */
export function postFromClients(url: string, connections: number, durationS: number, body: unknown): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections,
    duration: durationS,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    requests: [{ setupRequest: nextClient }],
  });
}
