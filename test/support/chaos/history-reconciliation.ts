import Redis from 'ioredis';
import { Client } from 'pg';
import { FINISHED_KEY, LATE_EVENTS_KEY, attemptsKey, contentKey, eventsKey, recordKey } from '../../../src/mail/messages/message.keys';
import { pollUntil } from '../poll';
import { StoredMessage } from './final-statuses';
import { groupBy } from './reconciliation';

/** What the history writers still have to move: final messages and late events waiting in Redis. */
interface Backlog {
  finished: number;
  lateEvents: number;
}

/** The history in PostgreSQL set against what the API showed of every final message, once the writers have caught up. */
export interface HistoryReconciliation {
  figures: Record<string, number | string>;
  /** What still waited in Redis when the catch-up deadline passed; empty once caught up. */
  notCaughtUp: string[];
  /** Final messages that are not in `messages`. */
  historyMissing: string[];
  /** Final messages whose status, attempts or events in PostgreSQL differ from what the API showed. */
  historyMismatches: string[];
  /** Messages, attempts or events stored more than once. */
  historyDuplicates: string[];
  /** Final messages that still have keys of their own in Redis after the catch-up. */
  leftInRedis: string[];
}

interface MessageRow {
  id: string;
  status: string;
  event_count: number;
}

interface AttemptRow {
  email_id: string;
  seq: number;
  round: number;
  provider: string;
  outcome: string;
}

interface EventRow {
  email_id: string;
  seq: number;
  type: string;
}

const STARTING_EVENTS = new Set(['queued', 'scheduled']);

/**
 * Waits until the history writers have moved every final message and late event out of Redis (or the
 * deadline passes), then reads PostgreSQL and Redis directly: every message the API showed as final must
 * be in PostgreSQL once, as the API showed it, and nothing of it left in Redis but what outlives a move
 * (the Idempotency-Key marker).
 */
export async function reconcileHistory(
  { redisUrl, databaseUrl }: { redisUrl: string; databaseUrl: string },
  finals: Map<string, StoredMessage>,
  timeoutMs: number,
): Promise<HistoryReconciliation> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const postgres = new Client({ connectionString: databaseUrl });
  try {
    await Promise.all([redis.connect(), postgres.connect()]);
    const waitStarted = Date.now();
    const backlog = await awaitCaughtUp(redis, timeoutMs);
    const caughtUpMs = Date.now() - waitStarted;
    const ids = [...finals.keys()];
    const [leftInRedis, stored] = await Promise.all([keysLeft(redis, ids), readHistory(postgres, ids)]);
    const historyMissing = ids.filter((id) => !stored.messages.has(id)).map((id) => `${named(finals.get(id)!)} is not in messages`);
    const historyMismatches = [...finals.values()].filter(({ id }) => stored.messages.has(id)).flatMap((message) => mismatches(message, stored));
    return {
      figures: {
        'history: waiting in Redis at the end (final messages, late events)': `${backlog.finished}, ${backlog.lateEvents}`,
        'history: caught up after the drain in (s)': caughtUp(backlog) ? (caughtUpMs / 1000).toFixed(1) : 'not within the deadline',
        'history: final messages in PostgreSQL': ids.length - historyMissing.length,
        'history: final messages missing from PostgreSQL': historyMissing.length,
        'history: final messages stored otherwise than the API shows': historyMismatches.length,
        'history: rows stored twice (messages, attempts, events)': stored.duplicates.length,
        'history: final messages with keys left in Redis': leftInRedis.length,
      },
      notCaughtUp: caughtUp(backlog) ? [] : [`${backlog.finished} final messages and ${backlog.lateEvents} late events still in Redis after ${timeoutMs} ms`],
      historyMissing,
      historyMismatches,
      historyDuplicates: stored.duplicates,
      leftInRedis,
    };
  } finally {
    redis.disconnect();
    await postgres.end().catch(() => undefined);
  }
}

const caughtUp = ({ finished, lateEvents }: Backlog) => finished === 0 && lateEvents === 0;

/** The backlog once it is empty, or as it was last read when the deadline passed. */
async function awaitCaughtUp(redis: Redis, timeoutMs: number): Promise<Backlog> {
  let last: Backlog = { finished: -1, lateEvents: -1 };
  const read = async () => {
    const [[, finished], [, lateEvents]] = (await redis.multi().zcard(FINISHED_KEY).zcard(LATE_EVENTS_KEY).exec()) as [[null, number], [null, number]];
    return (last = { finished, lateEvents });
  };
  await pollUntil(read, caughtUp, { timeoutMs, intervalMs: 500 }).catch(() => undefined);
  return last;
}

/** A message's own keys (its Idempotency-Key marker apart, which is meant to stay), for each final message that still has any. */
async function keysLeft(redis: Redis, ids: string[]): Promise<string[]> {
  const pipeline = redis.pipeline();
  ids.forEach((id) => pipeline.exists(recordKey(id), eventsKey(id), attemptsKey(id), contentKey(id)));
  const counts = ((await pipeline.exec()) ?? []).map(([, count]) => Number(count));
  return ids.flatMap((id, index) => (counts[index] > 0 ? [`${id}: ${counts[index]} key(s) left`] : []));
}

interface StoredHistory {
  messages: Map<string, MessageRow>;
  attempts: Map<string, AttemptRow[]>;
  events: Map<string, EventRow[]>;
  /** Over the whole database, not only the final messages. */
  duplicates: string[];
}

async function readHistory(postgres: Client, ids: string[]): Promise<StoredHistory> {
  const rows = async <Row extends object>(text: string, values: unknown[] = []) => (await postgres.query<Row>(text, values)).rows;
  // One query at a time: a pg Client runs them in turn anyway, and handing it several at once is deprecated.
  const messages = await rows<MessageRow>('SELECT id::text AS id, status, event_count FROM messages WHERE id = ANY($1::uuid[])', [ids]);
  const attempts = await rows<AttemptRow>(
    'SELECT email_id::text AS email_id, seq, round, provider, outcome FROM message_attempts WHERE email_id = ANY($1::uuid[]) ORDER BY email_id, seq',
    [ids],
  );
  const events = await rows<EventRow>(
    'SELECT email_id::text AS email_id, seq::int AS seq, type FROM message_events WHERE email_id = ANY($1::uuid[]) ORDER BY email_id, seq',
    [ids],
  );
  const duplicates = await rows<{ line: string }>(
    `SELECT 'message ' || id || ' ' || count(*) || ' times' AS line FROM messages GROUP BY id HAVING count(*) > 1
     UNION ALL SELECT 'attempt ' || email_id || '#' || seq || ' ' || count(*) || ' times' FROM message_attempts GROUP BY email_id, seq HAVING count(*) > 1
     UNION ALL SELECT 'event ' || email_id || '#' || seq || ' ' || count(*) || ' times' FROM message_events GROUP BY email_id, seq HAVING count(*) > 1`,
  );
  return {
    messages: new Map(messages.map((row) => [row.id, row])),
    attempts: groupBy(attempts, (row) => row.email_id),
    events: groupBy(events, (row) => row.email_id),
    duplicates: duplicates.map(({ line }) => line),
  };
}

/**
 * What PostgreSQL holds of `message` that differs from what the API showed: the status; the attempts,
 * in order; the events, which number `event_count` from 0 without a gap, begin with queued (or
 * scheduled) and include the final status.
 */
function mismatches(message: StoredMessage, stored: StoredHistory): string[] {
  const row = stored.messages.get(message.id)!;
  const found: string[] = [];
  if (row.status !== message.status) found.push(`status ${row.status}`);
  const apiAttempts = message.attempts.map(({ provider, round, outcome }) => `${provider}/${round}/${outcome}`).join(', ');
  const storedAttempts = (stored.attempts.get(message.id) ?? []).map(({ provider, round, outcome }) => `${provider}/${round}/${outcome}`).join(', ');
  if (storedAttempts !== apiAttempts) found.push(`attempts [${storedAttempts}] where the API shows [${apiAttempts}]`);
  const events = (stored.events.get(message.id) ?? []).filter(({ seq }) => seq < row.event_count);
  const types = events.map(({ type }) => type);
  if (events.length !== row.event_count || events.some(({ seq }, index) => seq !== index)) {
    found.push(`events at positions [${events.map(({ seq }) => seq).join(', ')}] for an event_count of ${row.event_count}`);
  }
  if (!STARTING_EVENTS.has(types[0])) found.push(`events begin with ${types[0] ?? 'nothing'}`);
  if (!types.includes(message.status)) found.push(`no ${message.status} event among [${types.join(', ')}]`);
  return found.length === 0 ? [] : [`${named(message)} (${message.status} per the API): ${found.join('; ')}`];
}

function named({ id, metadata }: StoredMessage): string {
  return `${id} (${metadata?.ref})`;
}
