import { Insertable, Kysely } from 'kysely';
import type { EmailEvent, EmailRecord } from '../mail/messages/messages.module';
import { HistoryPartitions } from './history.partitions';
import { HistoryTables, MessagesTable } from './history.schema';

/** One event from the event stream, with the message as it was when the event was read. */
export interface HistoryEntry {
  /** The stream entry's id: an event written twice under it is written once. */
  streamId: string;
  emailId: string;
  event: EmailEvent;
  /** Absent when the message had already left Redis: the event is kept, the snapshot was written before. */
  record?: EmailRecord;
}

const FINAL = new Set(['sent', 'failed', 'cancelled']);

/**
 * Writes messages' history to PostgreSQL in batches, idempotently: a replayed batch changes nothing,
 * and an older snapshot of a message never overwrites a newer one.
 */
export class HistoryStore {
  constructor(
    private readonly db: Kysely<HistoryTables>,
    private readonly partitions: HistoryPartitions,
    private readonly keepBodies: boolean,
  ) {}

  async write(entries: HistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const records = latestRecords(entries);
    const createdAt = (entry: HistoryEntry) => new Date(entry.record?.createdAt ?? entry.event.at);
    await this.partitions.ensure(entries.map(createdAt));
    await this.db.transaction().execute(async (tx) => {
      if (records.length > 0) await upsertMessages(tx, records);
      const attempts = records.flatMap(attemptRows);
      if (attempts.length > 0) await tx.insertInto('message_attempts').values(attempts).onConflict((oc) => oc.doNothing()).execute();
      const bodies = this.keepBodies ? records.filter(({ status }) => FINAL.has(status)).map(bodyRow) : [];
      if (bodies.length > 0) await tx.insertInto('message_bodies').values(bodies).onConflict((oc) => oc.doNothing()).execute();
      const events = entries.map((entry) => eventRow(entry, createdAt(entry)));
      await tx.insertInto('message_events').values(events).onConflict((oc) => oc.doNothing()).execute();
    });
  }
}

/** Each message once, as the newest snapshot in the batch has it. */
function latestRecords(entries: HistoryEntry[]): EmailRecord[] {
  const latest = new Map<string, EmailRecord>();
  for (const { record } of entries) {
    if (!record) continue;
    const seen = latest.get(record.email.id);
    if (!seen || seen.updatedAt <= record.updatedAt) latest.set(record.email.id, record);
  }
  return [...latest.values()];
}

async function upsertMessages(db: Kysely<HistoryTables>, records: EmailRecord[]): Promise<void> {
  await db
    .insertInto('messages')
    .values(records.map(messageRow))
    .onConflict((oc) =>
      oc
        .columns(['created_at', 'id'])
        .doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          updated_at: eb.ref('excluded.updated_at'),
          provider: eb.ref('excluded.provider'),
          provider_message_id: eb.ref('excluded.provider_message_id'),
          error: eb.ref('excluded.error'),
        }))
        .where('messages.updated_at', '<=', (eb) => eb.ref('excluded.updated_at')),
    )
    .execute();
}

function messageRow(record: EmailRecord): Insertable<MessagesTable> {
  const { email } = record;
  return {
    id: email.id,
    created_at: new Date(record.createdAt),
    updated_at: new Date(record.updatedAt),
    owner: record.owner ?? null,
    status: record.status,
    from: JSON.stringify(email.from),
    to: JSON.stringify(email.to),
    cc: JSON.stringify(email.cc),
    bcc: JSON.stringify(email.bcc),
    reply_to: email.replyTo ? JSON.stringify(email.replyTo) : null,
    subject: email.subject,
    tags: email.tags,
    metadata: JSON.stringify(email.metadata),
    attachments: JSON.stringify(record.attachments),
    send_at: record.sendAt ? new Date(record.sendAt) : null,
    provider: record.provider ?? null,
    provider_message_id: record.providerMessageId ?? null,
    error: record.error ? JSON.stringify(record.error) : null,
  };
}

function attemptRows(record: EmailRecord) {
  return record.attempts.map((attempt) => ({
    created_at: new Date(record.createdAt),
    email_id: record.email.id,
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

function bodyRow(record: EmailRecord) {
  return {
    created_at: new Date(record.createdAt),
    email_id: record.email.id,
    text: record.email.text ?? null,
    html: record.email.html ?? null,
    headers: JSON.stringify(record.email.headers),
  };
}

function eventRow({ streamId, emailId, event }: HistoryEntry, createdAt: Date) {
  return {
    created_at: createdAt,
    email_id: emailId,
    stream_id: streamId,
    type: event.type,
    at: new Date(event.at),
    provider: event.provider ?? null,
    detail: event.detail ?? null,
  };
}
