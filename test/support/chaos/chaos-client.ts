import { clientAuthorization } from './chaos-keys';
import { forEachConcurrently } from './concurrently';
import { Progress } from './progress';

/** A client gives up waiting for an answer after this long, and then does not know what happened. */
const CLIENT_TIMEOUT_MS = 3_000;
/** A client with an Idempotency-Key retries until a 202 or this long after its first try. */
const RETRY_DEADLINE_MS = 30_000;
const RETRY_BACKOFF_MS = 100;
const RETRY_BACKOFF_MAX_MS = 1_000;
const BATCH_SIZE = 5;
/** Every third request carries an Idempotency-Key; every twenty-fifth is a batch. */
const KEYED_EVERY = 3;
const BATCH_EVERY = 25;

export interface ChaosMessage {
  /** The client's own reference, sent as `metadata.ref`: the providers receive it with the message. */
  ref: string;
  body: Record<string, unknown>;
}

export interface ClientRequest {
  index: number;
  /** Idempotency-Key: such a request is retried, with the same key and body, until it gets a 202. */
  key?: string;
  /** POST /v1/emails/batch when true, else POST /v1/emails with the only message. */
  batch: boolean;
  messages: ChaosMessage[];
  /** Position of its first message in the traffic, which paces when it is sent. */
  firstMessage: number;
}

/**
 * What the client knows of a request in the end: `accepted` (202, with the ids), `refused` (503: the
 * server says it stored nothing), `unknown` (no answer: timed out or the connection failed, or a keyed
 * request that never got a 202 before its deadline; the message may or may not have been stored), or
 * `rejected` (any other answer: the client or the server is wrong).
 */
export type Outcome = 'accepted' | 'refused' | 'unknown' | 'rejected';

export interface RequestResult {
  request: ClientRequest;
  outcome: Outcome;
  /** The message ids, in the request's order, when accepted. */
  ids: string[];
  /** When the 202 arrived (ms since the epoch). */
  acceptedAt?: number;
  tries: number;
  /** The last answer or error that was not a 202. */
  detail?: string;
}

type Answer =
  | { kind: 'accepted'; ids: string[] }
  | { kind: Exclude<Outcome, 'accepted'>; detail: string }
  /** 429: nothing was stored; a client waits Retry-After and sends again, key or not. */
  | { kind: 'throttled'; retryAfterMs: number };

/** The traffic, fixed in advance: which requests carry a key, which are batches, which message is which. */
export function planRequests(messages: number, seed: number): ClientRequest[] {
  const requests: ClientRequest[] = [];
  for (let first = 0, index = 0; first < messages; index += 1) {
    const batch = index % BATCH_EVERY === BATCH_EVERY - 1;
    const count = batch ? Math.min(BATCH_SIZE, messages - first) : 1;
    requests.push({
      index,
      key: index % KEYED_EVERY === 0 ? `chaos-${seed}-${index}` : undefined,
      batch,
      messages: Array.from({ length: count }, (_, offset) => chaosMessage(first + offset)),
      firstMessage: first,
    });
    first += count;
  }
  return requests;
}

function chaosMessage(n: number): ChaosMessage {
  const ref = `m${n}`;
  return {
    ref,
    body: {
      from: 'Chaos <chaos@example.com>',
      to: `rcpt${n}@example.net`,
      subject: `chaos ${ref}`,
      text: `message ${ref}`,
      metadata: { ref },
    },
  };
}

/**
 * Sends the requests from `clients` concurrent clients, paced at `rate` messages per second so that the
 * faults overlap the traffic. Stops issuing when the run is aborted.
 */
export async function runTraffic(
  apiUrl: string,
  requests: ClientRequest[],
  { rate, clients }: { rate: number; clients: number },
  progress: Progress,
): Promise<RequestResult[]> {
  const results: RequestResult[] = [];
  const start = Date.now();
  await forEachConcurrently(requests, clients, async (request) => {
    if (progress.aborted) return;
    await until(start + (request.firstMessage / rate) * 1000);
    progress.count('issued', request.messages.length);
    results.push(await deliverRequest(apiUrl, request, progress));
  });
  return results;
}

/**
 * Sends every accepted keyed request once more, as a client that never saw the 202 would: the server
 * must answer with the same ids and store nothing new. Returns one line per request that got other ids.
 */
export async function replayKeyed(apiUrl: string, results: RequestResult[], clients: number): Promise<string[]> {
  const mismatches: string[] = [];
  const keyed = results.filter(({ request, outcome }) => request.key && outcome === 'accepted');
  await forEachConcurrently(keyed, clients, async ({ request, ids }) => {
    const replay = await deliverRequest(apiUrl, request, new Progress());
    if (replay.outcome !== 'accepted' || replay.ids.join() !== ids.join()) {
      mismatches.push(`key ${request.key}: first ${ids.join()}, replay ${replay.outcome} ${replay.ids.join() || replay.detail}`);
    }
  });
  return mismatches;
}

/** One request as a real client sends it: once without a key; with one, again after failures, until a deadline. */
async function deliverRequest(apiUrl: string, request: ClientRequest, progress: Progress): Promise<RequestResult> {
  const deadline = Date.now() + RETRY_DEADLINE_MS;
  for (let tries = 1; ; tries += 1) {
    const answer = await post(apiUrl, request);
    if (answer.kind === 'throttled') {
      if (Date.now() + answer.retryAfterMs > deadline) return { request, outcome: 'refused', ids: [], tries, detail: '429 until the deadline' };
      await until(Date.now() + answer.retryAfterMs);
      continue;
    }
    if (answer.kind === 'accepted') return { request, outcome: 'accepted', ids: answer.ids, acceptedAt: Date.now(), tries };
    if (answer.kind === 'rejected') return { request, outcome: 'rejected', ids: [], tries, detail: answer.detail };
    progress.count('failedRequests');
    const backoff = Math.min(RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MS * 2 ** (tries - 1));
    if (!request.key) return { request, outcome: answer.kind, ids: [], tries, detail: answer.detail };
    if (Date.now() + backoff > deadline) {
      return { request, outcome: 'unknown', ids: [], tries, detail: `gave up after ${tries} tries: ${answer.detail}` };
    }
    await until(Date.now() + backoff);
  }
}

async function post(apiUrl: string, { index, key, batch, messages }: ClientRequest): Promise<Answer> {
  const body = batch ? messages.map((message) => message.body) : messages[0].body;
  let status: number;
  let text: string;
  let retryAfter: string | null;
  try {
    const response = await fetch(`${apiUrl}/v1/emails${batch ? '/batch' : ''}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: clientAuthorization(index),
        ...(key ? { 'Idempotency-Key': key } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    status = response.status;
    retryAfter = response.headers.get('retry-after');
    text = await response.text();
  } catch (error) {
    return { kind: 'unknown', detail: describeError(error) };
  }
  if (status === 202) return accepted(text);
  if (status === 429) return { kind: 'throttled', retryAfterMs: Number(retryAfter ?? 1) * 1000 };
  if (status === 503) return { kind: 'refused', detail: `503 ${text}` };
  return { kind: 'rejected', detail: `${status} ${text.slice(0, 300)}` };
}

/** A single message's `{ id }`, or a batch's items, each `{ id }` or `{ errors }`. */
type AcceptedItem = { id?: string; errors?: string[] };

function accepted(text: string): Answer {
  let parsed: AcceptedItem | AcceptedItem[];
  try {
    parsed = JSON.parse(text) as AcceptedItem | AcceptedItem[];
  } catch {
    return { kind: 'rejected', detail: `202 with a body that is not JSON: ${text.slice(0, 300)}` };
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.some((item) => !item.id)) return { kind: 'rejected', detail: `202 with refused items: ${text.slice(0, 300)}` };
  return { kind: 'accepted', ids: items.map((item) => item.id!) };
}

function describeError(error: unknown): string {
  const { name, message, cause } = error as Error & { cause?: { code?: string } };
  return cause?.code ? `${name}: ${message} (${cause.code})` : `${name}: ${message}`;
}

/** Pacing, not waiting for an event: a client does not send before its turn. */
function until(time: number): Promise<void> {
  const wait = time - Date.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}
