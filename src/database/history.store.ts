import { Insertable, Kysely } from 'kysely';
import { EmailEvent, EmailRecord, LateEvent, MessageSnapshot, isFinal } from '../mail/messages/messages.module';
import { HistoryPartitions } from './history.partitions';
import { HistoryTables, MessageAttemptsTable, MessageBodiesTable, MessageEventsTable, MessagesTable } from './history.schema';

/** PostgreSQL's limit on one statement's parameters: a larger batch is inserted a slice at a time. */
const MAX_PARAMETERS = 65_535;

/**
 * Writes messages' history to PostgreSQL in batches, idempotently: every row has a key its snapshot
 * determines (a list position, a late event's seq), so a replayed write inserts nothing, and a message's
 * row is only replaced by a snapshot with more events, so an older snapshot never overwrites a newer one.
 */
export class HistoryStore {
  constructor(
    private readonly db: Kysely<HistoryTables>,
    private readonly partitions: HistoryPartitions,
    private readonly keepBodies: boolean,
  ) {}

  /** One transaction, multi-row inserts. */
  async write(snapshots: MessageSnapshot[]): Promise<void> {
    if (snapshots.length === 0) return;
    const latest = latestSnapshots(snapshots);
    await this.partitions.ensure(latest.map(({ record }) => new Date(record.createdAt)));
    const attempts = latest.flatMap(({ record }) => attemptRows(record));
    const events = latest.flatMap(eventRows);
    const bodies = this.keepBodies ? latest.filter(({ record }) => isFinal(record.status)).map(({ record }) => bodyRow(record)) : [];
    await this.db.transaction().execute(async (tx) => {
      for (const rows of slices(latest.map(messageRow))) await upsertMessages(tx, rows);
      for (const rows of slices(attempts)) await tx.insertInto('message_attempts').values(rows).onConflict((oc) => oc.doNothing()).execute();
      for (const rows of slices(events)) await tx.insertInto('message_events').values(rows).onConflict((oc) => oc.doNothing()).execute();
      for (const rows of slices(bodies)) await tx.insertInto('message_bodies').values(rows).onConflict((oc) => oc.doNothing()).execute();
    });
  }

  /**
   * Stores each event under its message's created_at; returns the events whose message is not in
   * PostgreSQL (unknown, or expired), which are not stored.
   */
  async writeLateEvents(events: LateEvent[]): Promise<LateEvent[]> {
    if (events.length === 0) return [];
    const ids = [...new Set(events.map(({ emailId }) => emailId))];
    const messages = await this.db.selectFrom('messages').select(['id', 'created_at']).where('id', 'in', ids).execute();
    const createdAt = new Map(messages.map(({ id, created_at }) => [id, created_at]));
    const known = events.filter(({ emailId }) => createdAt.has(emailId));
    const rows = known.map(({ emailId, seq, event }) => eventRow(createdAt.get(emailId)!, emailId, seq, event));
    await this.db.transaction().execute(async (tx) => {
      for (const slice of slices(rows)) await tx.insertInto('message_events').values(slice).onConflict((oc) => oc.doNothing()).execute();
    });
    return events.filter(({ emailId }) => !createdAt.has(emailId));
  }
}

/** Rows in slices whose parameters fit in one statement (four lines: no dependency offers a chunk helper). */
function slices<Row extends object>(rows: Row[]): Row[][] {
  if (rows.length === 0) return [];
  const size = Math.floor(MAX_PARAMETERS / Object.keys(rows[0]).length);
  const result: Row[][] = [];
  for (let start = 0; start < rows.length; start += size) result.push(rows.slice(start, start + size));
  return result;
}

/** Each message once, as the batch's newest snapshot of it has it: one row cannot be upserted twice in one statement. */
function latestSnapshots(snapshots: MessageSnapshot[]): MessageSnapshot[] {
  const latest = new Map<string, MessageSnapshot>();
  for (const snapshot of snapshots) {
    const seen = latest.get(snapshot.record.email.id);
    if (!seen || seen.events.length < snapshot.events.length) latest.set(snapshot.record.email.id, snapshot);
  }
  return [...latest.values()];
}

async function upsertMessages(db: Kysely<HistoryTables>, rows: Insertable<MessagesTable>[]): Promise<void> {
  await db
    .insertInto('messages')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['created_at', 'id'])
        .doUpdateSet((eb) => ({
          updated_at: eb.ref('excluded.updated_at'),
          event_count: eb.ref('excluded.event_count'),
          status: eb.ref('excluded.status'),
          send_at: eb.ref('excluded.send_at'),
          provider: eb.ref('excluded.provider'),
          provider_message_id: eb.ref('excluded.provider_message_id'),
          error: eb.ref('excluded.error'),
        }))
        .where('messages.event_count', '<', (eb) => eb.ref('excluded.event_count')),
    )
    .execute();
}

function messageRow({ record, events }: MessageSnapshot): Insertable<MessagesTable> {
  const { email } = record;
  return {
    id: email.id,
    created_at: new Date(record.createdAt),
    updated_at: new Date(record.updatedAt),
    event_count: events.length,
    owner: record.owner ?? null,
    status: record.status,
    from_email: email.from.email.toLowerCase(),
    from: JSON.stringify(email.from),
    to: JSON.stringify(email.to),
    cc: JSON.stringify(email.cc),
    bcc: JSON.stringify(email.bcc),
    recipients: [...new Set([...email.to, ...email.cc, ...email.bcc].map(({ email: address }) => address.toLowerCase()))],
    reply_to: email.replyTo ? JSON.stringify(email.replyTo) : null,
    subject: email.subject,
    headers: JSON.stringify(email.headers),
    tags: email.tags,
    metadata: JSON.stringify(email.metadata),
    attachments: JSON.stringify(record.attachments),
    send_at: record.sendAt ? new Date(record.sendAt) : null,
    provider: record.provider ?? null,
    provider_message_id: record.providerMessageId ?? null,
    error: record.error ? JSON.stringify(record.error) : null,
  };
}

function attemptRows(record: EmailRecord): Insertable<MessageAttemptsTable>[] {
  return record.attempts.map((attempt, seq) => ({
    created_at: new Date(record.createdAt),
    email_id: record.email.id,
    seq,
    round: attempt.round,
    provider: attempt.provider,
    started_at: new Date(attempt.startedAt),
    duration_ms: attempt.durationMs,
    outcome: attempt.outcome,
    provider_message_id: attempt.providerMessageId ?? null,
    response: attempt.response ?? null,
    error: attempt.error ? JSON.stringify(attempt.error) : null,
  }));
}

function eventRows({ record, events }: MessageSnapshot): Insertable<MessageEventsTable>[] {
  return events.map((event, seq) => eventRow(new Date(record.createdAt), record.email.id, seq, event));
}

function eventRow(createdAt: Date, emailId: string, seq: number, event: EmailEvent): Insertable<MessageEventsTable> {
  return {
    created_at: createdAt,
    email_id: emailId,
    seq,
    type: event.type,
    at: new Date(event.at),
    provider: event.provider ?? null,
    detail: event.detail ?? null,
  };
}

function bodyRow(record: EmailRecord): Insertable<MessageBodiesTable> {
  return {
    created_at: new Date(record.createdAt),
    email_id: record.email.id,
    text: record.email.text ?? null,
    html: record.email.html ?? null,
  };
}
