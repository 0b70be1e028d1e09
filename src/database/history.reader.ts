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
  /** Creation time range in ms, inclusive. */
  since?: number;
  until?: number;
  /** 1..100. */
  limit: number;
  /** Keyset: strictly after this in the listing's order (created_at DESC, id DESC). */
  after?: HistoryCursor;
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

  private page(query: HistoryQuery): Promise<MessageRow[]> {
    const matching = this.db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where((eb) => eb.and(filters(eb, query)));
    if (query.to === undefined) return matching.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    // A recipient has few messages, which PostgreSQL cannot know: addresses are nearly all distinct, so its
    // statistics keep none, it guesses that 0.5% of messages match and walks the newest ones hoping to fill
    // a page soon (all million, measured). Materialized, the recipient index finds them, and only they are sorted.
    return this.db
      .with((cte) => cte('matching').materialized(), () => matching)
      .selectFrom('matching')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .execute();
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

/** The message's created_at, as a subquery: it finds the one day partition its other rows are in. */
function createdAtOf(eb: ExpressionBuilder<HistoryTables, keyof HistoryTables>, id: string) {
  return eb.selectFrom('messages').select('created_at').where('id', '=', id);
}

function filters(eb: Messages, query: HistoryQuery): Expression<SqlBool>[] {
  const where: Expression<SqlBool>[] = [];
  if (query.owner !== undefined) where.push(eb('owner', '=', query.owner));
  if (query.status) where.push(eb('status', '=', query.status));
  if (query.tag !== undefined) where.push(eb('tags', '@>', sql<string[]>`array[${query.tag}]::text[]`));
  if (query.to !== undefined) where.push(eb('recipients', '@>', sql<string[]>`array[${query.to.toLowerCase()}]::text[]`));
  if (query.from !== undefined) where.push(eb('from_email', '=', query.from.toLowerCase()));
  if (query.subject !== undefined) where.push(subjectMatches(query.subject));
  if (query.since !== undefined) where.push(eb('created_at', '>=', new Date(query.since)));
  if (query.until !== undefined) where.push(eb('created_at', '<=', new Date(query.until)));
  if (query.after) {
    const after = new Date(query.after.createdAt);
    // The plain bound lets PostgreSQL skip the partitions of later days, which the row comparison does not.
    where.push(eb('created_at', '<=', after));
    where.push(eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after, query.after.id)));
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
