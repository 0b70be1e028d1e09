import { pollUntil } from '../poll';
import { readerAuthorization } from './chaos-keys';
import { forEachConcurrently } from './concurrently';

/** A message as GET /v1/emails/{id} shows it, reduced to what the reconciliation reads. */
export interface StoredMessage {
  id: string;
  status: string;
  provider?: string;
  error?: { type: string; message: string };
  attempts: { provider: string; round: number; outcome: string; error?: { type: string; message: string } }[];
  metadata: Record<string, string>;
}

export interface FinalStatuses {
  /** Messages that reached `sent` or `failed`. */
  final: Map<string, StoredMessage>;
  /** Ids the store no longer knows (404). */
  missing: Set<string>;
  /** Messages still in another status at the deadline, as last read. */
  unfinished: StoredMessage[];
}

const FINAL = new Set(['sent', 'failed']);
const READERS = 20;

/**
 * Reads every message through the API until each is `sent` or `failed` (or gone: a 404 cannot turn into
 * a message again), or the deadline passes; what is left then is reported, not thrown, so that the run
 * can say which messages were stuck and where.
 */
export async function awaitFinalStatuses(apiUrl: string, ids: string[], timeoutMs: number): Promise<FinalStatuses> {
  const pending = new Set(ids);
  const authorization = new Map(ids.map((id, position) => [id, readerAuthorization(position)]));
  const latest = new Map<string, StoredMessage>();
  const result: FinalStatuses = { final: new Map(), missing: new Set(), unfinished: [] };
  const readPending = async () => {
    await forEachConcurrently([...pending], READERS, async (id) => {
      const read = await readMessage(apiUrl, id, authorization.get(id)!);
      if (read === 'missing') result.missing.add(id);
      else if (read && FINAL.has(read.status)) result.final.set(id, read);
      else {
        if (read) latest.set(id, read);
        return;
      }
      pending.delete(id);
    });
    return pending.size;
  };
  await pollUntil(readPending, (left) => left === 0, { timeoutMs, intervalMs: 500 }).catch(() => undefined);
  result.unfinished = [...pending].map((id) => latest.get(id) ?? { id, status: 'unreadable', attempts: [], metadata: {} });
  return result;
}

/** The message, 'missing' for a 404, undefined when it could not be read this time. */
async function readMessage(apiUrl: string, id: string, authorization: string): Promise<StoredMessage | 'missing' | undefined> {
  try {
    const response = await fetch(`${apiUrl}/v1/emails/${id}`, { headers: { Authorization: authorization } });
    if (response.status === 429) {
      // An operator's script waits as it is told, rather than spending the key's budget on refusals.
      await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000));
      return undefined;
    }
    if (response.status === 404) return 'missing';
    if (!response.ok) return undefined;
    const { status, provider, error, attempts, metadata } = (await response.json()) as StoredMessage;
    return { id, status, provider, error, attempts, metadata };
  } catch {
    return undefined;
  }
}
