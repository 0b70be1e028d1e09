import { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool, sql } from 'kysely';
import type { Attempt, EmailEvent, EmailRecord, EmailStatus } from '../mail/messages/messages.module';
import { HistoryTables, MessageAttemptsTable, MessagesTable } from './history.schema';

/** Where a page ended: its last message's creation time (ms) and id. */
export interface HistoryCursor {
  createdAt: number;
  id: string;
}

export interface HistoryQuery {
  /** Only this API key's messages (undefined: everyone's). */
  owner?: string;
  status?: EmailStatus;
  tag?: string;
  /** Among to, cc and bcc, case-insensitive. */
  to?: string;
  /** The sender's address, case-insensitive. */
  from?: string;
  /** Words in the subject: every one must match, the last one as a prefix. */
  subject?: string;
  /** Copies of this message. */
  resentFrom?: string;
  /** Creation time range in ms, inclusive. */
  since?: number;
  until?: number;
  /** 1..100. */
  limit: number;
  /** Keyset: strictly after this in the listing's order (created_at DESC, id DESC). */
  after?: HistoryCursor;
}

const DAY_MS = 86_400_000;
/** How many of a window's newest messages a subject search is first tried on, in order. */
const PROBED_MESSAGES = 500;

/** A query that also stops at a message, inclusive: the oldest one a probe read. */
interface BoundedQuery extends HistoryQuery {
  notBefore?: HistoryCursor;
}

/** Every column of messages but those that only serve filtering. */
const MESSAGE_COLUMNS = [
  'id',
  'created_at',
  'updated_at',
  'owner',
  'status',
  'from',
  'to',
  'cc',
  'bcc',
  'reply_to',
  'subject',
  'headers',
  'tags',
  'metadata',
  'attachments',
  'send_at',
  'provider',
  'provider_message_id',
  'error',
  'resent_from',
] as const satisfies readonly (keyof MessagesTable)[];

type MessageRow = Pick<Selectable<MessagesTable>, (typeof MESSAGE_COLUMNS)[number]>;
type AttemptRow = Selectable<MessageAttemptsTable>;
type Messages = ExpressionBuilder<HistoryTables, 'messages'>;

/**
 * Reads messages' history from PostgreSQL, in the shapes the API has for messages in Redis. A failure of
 * PostgreSQL rejects: the caller answers 503 rather than a 404 or an empty page that would be a lie.
 */
export class HistoryReader {
  constructor(private readonly db: Kysely<HistoryTables>) {}

  /** The message with its attempts (email.text and html left out, email.attachments []), or undefined. */
  async find(id: string): Promise<EmailRecord | undefined> {
    const [message, attempts] = await Promise.all([
      this.db.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', id).executeTakeFirst(),
      this.db
        .selectFrom('message_attempts')
        .selectAll()
        .where('email_id', '=', id)
        .where('created_at', '=', (eb) => createdAtOf(eb, id))
        .orderBy('seq')
        .execute(),
    ]);
    return message && toRecord(message, attempts);
  }

  /** Its events in order: the list's by position, then late ones by seq. */
  async events(id: string): Promise<EmailEvent[]> {
    const rows = await this.db
      .selectFrom('message_events')
      .select(['type', 'at', 'provider', 'detail'])
      .where('email_id', '=', id)
      .where('created_at', '=', (eb) => createdAtOf(eb, id))
      .orderBy('seq')
      .execute();
    return rows.map(({ type, at, provider, detail }) => ({
      type: type as EmailEvent['type'],
      at: at.toISOString(),
      ...(provider !== null && { provider }),
      ...(detail !== null && { detail }),
    }));
  }

  /**
   * Newest first by (created_at, id); `next` only when the page is full (there may be more). The page's
   * attempts come in one query, whatever its size.
   */
  async list(query: HistoryQuery): Promise<{ records: EmailRecord[]; next?: HistoryCursor }> {
    const messages = await this.page(query);
    const attempts = await this.attemptsOf(messages);
    const records = messages.map((message) => toRecord(message, attempts.get(message.id) ?? []));
    const last = messages.at(-1);
    if (!last || messages.length < query.limit) return { records };
    return { records, next: { createdAt: last.created_at.getTime(), id: last.id } };
  }

  /** The text and html bodies while they are kept (MAIL_BODY_RETENTION_DAYS), else undefined. */
  async body(id: string): Promise<{ text?: string; html?: string } | undefined> {
    const row = await this.db
      .selectFrom('message_bodies')
      .select(['text', 'html'])
      .where('email_id', '=', id)
      .where('created_at', '=', (eb) => createdAtOf(eb, id))
      .executeTakeFirst();
    if (!row) return undefined;
    return { ...(row.text !== null && { text: row.text }), ...(row.html !== null && { html: row.html }) };
  }

  /**
   * The page's messages, by the plan that suits the filter (each chosen with EXPLAIN ANALYZE over a month
   * of history and a busy newest day, bench/history-listing.ts). PostgreSQL plans each day's partition
   * with that day's statistics only when a query reaches that one partition; over several, it picks one
   * way for all of them, and a tag the newest day lacks but older days carry makes it read the whole
   * newest day in order to find nothing (90 ms for 100,000 messages).
   * - Recipients: addresses are nearly all distinct and its statistics keep none of them, so it guesses a
   *   few matches in every thousand and would walk the newest messages in order, reading all million
   *   for one address (seconds). The index finds the matches first; only those are sorted.
   * - Copies of a message: few, through their partial index, like recipients.
   * - Tags: a day at a time, where its statistics know how many of the day's messages carry each tag.
   * - Subject words: its statistics cannot weigh the last word's prefix, so each window of days is tried
   *   in order on its newest few hundred messages first, and what is left is matched first.
   */
  private page(query: HistoryQuery): Promise<MessageRow[]> {
    if (query.to !== undefined || query.resentFrom !== undefined) return this.matchedFirst(query);
    if (query.tag !== undefined) return this.dayByDay(query, { widening: false }, (day) => this.inOrder(day));
    if (query.subject !== undefined) return this.dayByDay(query, { widening: true }, (days) => this.newestThenMatched(days));
    return this.inOrder(query);
  }

  /**
   * The page, from days read newest first by `read` until it is full: a day at a time, or, `widening`,
   * windows of 1, 1, 2, 4, 8... days, so that a rare word costs six reads of a month rather than thirty.
   */
  private async dayByDay(query: HistoryQuery, { widening }: { widening: boolean }, read: (days: HistoryQuery) => Promise<MessageRow[]>): Promise<MessageRow[]> {
    const rows: MessageRow[] = [];
    const days = await this.daysNewestFirst(query);
    // Days [first, end) of the list.
    for (let first = 0, end = 1; first < days.length && rows.length < query.limit; first = end, end = Math.min(widening ? 2 * end : end + 1, days.length)) {
      const since = Math.max(query.since ?? days[end - 1], days[end - 1]);
      const until = Math.min(query.until ?? Infinity, days[first] + DAY_MS - 1);
      rows.push(...(await read({ ...query, since, until, limit: query.limit - rows.length })));
    }
    return rows;
  }

  /**
   * In order among the newest PROBED_MESSAGES, then matched first among the rest. A word in most of
   * them fills the page at once (matched first, a busy day's 100,000 would be sorted); one in none of
   * them is rare enough that its matches are few to sort.
   */
  private async newestThenMatched(query: HistoryQuery): Promise<MessageRow[]> {
    const edge = await this.probeEdge(query);
    if (!edge) return this.inOrder(query);
    const newest = await this.inOrder({ ...query, notBefore: edge });
    if (newest.length === query.limit) return newest;
    return [...newest, ...(await this.matchedFirst({ ...query, after: edge, limit: query.limit - newest.length }))];
  }

  /** The oldest of the newest PROBED_MESSAGES that the query's B-tree filters let through, if there are that many. */
  private async probeEdge(query: HistoryQuery): Promise<HistoryCursor | undefined> {
    const { tag: _tag, subject: _subject, ...ordered } = query;
    const row = await this.db
      .selectFrom('messages')
      .select(['created_at', 'id'])
      .where((eb) => eb.and(filters(eb, ordered)))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .offset(PROBED_MESSAGES - 1)
      .limit(1)
      .executeTakeFirst();
    return row && { createdAt: row.created_at.getTime(), id: row.id };
  }

  /** The planner's own plan: a filter most messages pass, or one a B-tree orders, reads the newest in order. */
  private inOrder(query: BoundedQuery): Promise<MessageRow[]> {
    return this.db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where((eb) => eb.and(filters(eb, query)))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .execute();
  }

  /** Every match first (materialized, so that PostgreSQL cannot walk in order instead), then the newest of them. */
  private matchedFirst(query: HistoryQuery): Promise<MessageRow[]> {
    const matching = this.db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where((eb) => eb.and(filters(eb, query)));
    return this.db
      .with((cte) => cte('matching').materialized(), () => matching)
      .selectFrom('matching')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .execute();
  }

  /** The starts (ms) of the days between the query's bounds that hold messages, newest first. */
  private async daysNewestFirst(query: HistoryQuery): Promise<number[]> {
    const { oldest, newest } = await this.db
      .selectFrom('messages')
      .select((eb) => [eb.fn.min('created_at').as('oldest'), eb.fn.max('created_at').as('newest')])
      .executeTakeFirstOrThrow();
    if (!oldest || !newest) return [];
    const first = startOfDay(Math.max(oldest.getTime(), query.since ?? -Infinity));
    const last = startOfDay(Math.min(newest.getTime(), query.until ?? Infinity, query.after?.createdAt ?? Infinity));
    const days: number[] = [];
    for (let day = last; day >= first; day -= DAY_MS) days.push(day);
    return days;
  }

  private async attemptsOf(messages: MessageRow[]): Promise<Map<string, AttemptRow[]>> {
    const byMessage = new Map<string, AttemptRow[]>();
    if (messages.length === 0) return byMessage;
    const rows = await this.db
      .selectFrom('message_attempts')
      .selectAll()
      .where((eb) =>
        eb(
          eb.refTuple('created_at', 'email_id'),
          'in',
          messages.map(({ created_at, id }) => eb.tuple(created_at, id)),
        ),
      )
      .orderBy('email_id')
      .orderBy('seq')
      .execute();
    for (const row of rows) byMessage.set(row.email_id, [...(byMessage.get(row.email_id) ?? []), row]);
    return byMessage;
  }
}

/** Partitions are UTC days. */
function startOfDay(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

/** The message's created_at, as a subquery: it finds the one day partition its other rows are in. */
function createdAtOf(eb: ExpressionBuilder<HistoryTables, keyof HistoryTables>, id: string) {
  return eb.selectFrom('messages').select('created_at').where('id', '=', id);
}

function filters(eb: Messages, query: BoundedQuery): Expression<SqlBool>[] {
  const where: Expression<SqlBool>[] = [];
  if (query.owner !== undefined) where.push(eb('owner', '=', query.owner));
  if (query.status) where.push(eb('status', '=', query.status));
  if (query.tag !== undefined) where.push(eb('tags', '@>', sql<string[]>`array[${query.tag}]::text[]`));
  if (query.to !== undefined) where.push(eb('recipients', '@>', sql<string[]>`array[${query.to.toLowerCase()}]::text[]`));
  if (query.from !== undefined) where.push(eb('from_email', '=', query.from.toLowerCase()));
  if (query.resentFrom !== undefined) where.push(eb('resent_from', '=', query.resentFrom));
  if (query.subject !== undefined) where.push(subjectMatches(query.subject));
  if (query.since !== undefined) where.push(eb('created_at', '>=', new Date(query.since)));
  if (query.until !== undefined) where.push(eb('created_at', '<=', new Date(query.until)));
  if (query.after) {
    const after = new Date(query.after.createdAt);
    // The plain bound lets PostgreSQL skip the partitions of later days, which the row comparison does not.
    where.push(eb('created_at', '<=', after));
    where.push(eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after, query.after.id)));
  }
  if (query.notBefore) {
    const notBefore = new Date(query.notBefore.createdAt);
    where.push(eb('created_at', '>=', notBefore));
    where.push(eb(eb.refTuple('created_at', 'id'), '>=', eb.tuple(notBefore, query.notBefore.id)));
  }
  return where;
}

/**
 * Every word of `words` in the subject, the last one as a prefix (so a subject is found while its last
 * word is being typed). plainto_tsquery parses the words, so no input can break the query's syntax; with
 * no word at all it matches nothing.
 */
function subjectMatches(words: string): Expression<SqlBool> {
  const query = sql`plainto_tsquery('simple', ${words})`;
  return sql<SqlBool>`to_tsvector('simple', subject) @@ (case when numnode(${query}) = 0 then ${query} else (${query}::text || ':*')::tsquery end)`;
}

function toRecord(message: MessageRow, attempts: AttemptRow[]): EmailRecord {
  return {
    email: {
      id: message.id,
      from: message.from,
      to: message.to,
      cc: message.cc,
      bcc: message.bcc,
      ...(message.reply_to !== null && { replyTo: message.reply_to }),
      subject: message.subject,
      headers: message.headers,
      tags: message.tags,
      metadata: message.metadata,
      attachments: [],
    },
    ...(message.owner !== null && { owner: message.owner }),
    status: message.status as EmailStatus,
    ...(message.send_at !== null && { sendAt: message.send_at.toISOString() }),
    createdAt: message.created_at.toISOString(),
    updatedAt: message.updated_at.toISOString(),
    ...(message.provider !== null && { provider: message.provider }),
    ...(message.provider_message_id !== null && { providerMessageId: message.provider_message_id }),
    ...(message.error !== null && { error: message.error }),
    attempts: attempts.map(toAttempt),
    attachments: message.attachments,
    ...(message.resent_from !== null && { resentFrom: message.resent_from }),
  };
}

function toAttempt(row: AttemptRow): Attempt {
  return {
    provider: row.provider,
    round: row.round,
    startedAt: row.started_at.toISOString(),
    durationMs: row.duration_ms,
    outcome: row.outcome as Attempt['outcome'],
    ...(row.provider_message_id !== null && { providerMessageId: row.provider_message_id }),
    ...(row.response !== null && { response: row.response }),
    ...(row.error !== null && { error: row.error }),
  };
}
