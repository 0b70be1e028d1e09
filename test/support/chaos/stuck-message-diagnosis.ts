import Redis from 'ioredis';
import { readerAuthorization } from './chaos-keys';

/**
 * For a message that never finished: its timeline (GET /v1/emails/{id}/events) and where its Bull job is
 * (read straight from Redis: which list or set holds it, its attempts, its lock), one line per message.
 */
export async function diagnoseStuck(apiUrl: string, redisUrl: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await Promise.all(ids.map(async (id) => `${id}: job ${await jobState(redis, id)}; events ${await timeline(apiUrl, id)}`));
  } finally {
    redis.disconnect();
  }
}

/** mailroute's Bull queues live under the `mailroute` prefix; the mail queue's job id is the message id. */
const key = (suffix: string) => `mailroute:mail:${suffix}`;

async function jobState(redis: Redis, id: string): Promise<string> {
  const replies = (await redis
    .multi()
    .hgetall(key(id))
    .lpos(key('wait'), id)
    .lpos(key('active'), id)
    .zscore(key('delayed'), id)
    .zscore(key('failed'), id)
    .exists(key(`${id}:lock`))
    .exec()) as [Error | null, unknown][];
  const [job, wait, active, delayed, failed, locked] = replies.map(([, value]) => value);
  const fields = job as Record<string, string>;
  if (!fields.data) return 'none (no job hash)';
  const places = Object.entries({ wait, active, delayed, failed })
    .filter(([, value]) => value !== null)
    .map(([place]) => place);
  const lock = locked ? ', locked' : '';
  const reason = fields.failedReason ? `, failedReason ${fields.failedReason}` : '';
  return `in ${places.join('+') || 'no list'}${lock}, attemptsMade ${fields.attemptsMade ?? 0}, stalled ${fields.stalledCounter ?? 0}${reason}`;
}

async function timeline(apiUrl: string, id: string): Promise<string> {
  const response = await fetch(`${apiUrl}/v1/emails/${id}/events`, { headers: { Authorization: readerAuthorization(0) } }).catch(
    () => undefined,
  );
  if (!response?.ok) return `unreadable (${response?.status ?? 'no answer'})`;
  const events = (await response.json()) as { type: string; at: string; provider?: string; detail?: string }[];
  return events.map(({ type, at, provider, detail }) => [at.slice(11, 23), type, provider, detail].filter(Boolean).join(' ')).join(' | ');
}
