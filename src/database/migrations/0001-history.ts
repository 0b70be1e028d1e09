import { Kysely, sql } from 'kysely';

/**
 * The history tables, partitioned by day on the message's creation time (partitions are made by
 * HistoryPartitions). A partitioned table's keys must contain the partition key, so every key starts with
 * `created_at`. Only messages are looked up by id alone; events, attempts and bodies are reached through
 * their message's `created_at`, so their primary keys are their only indexes.
 * The listing's indexes were chosen by EXPLAIN ANALYZE over a million messages (bench/history-listing.ts):
 * the primary key read backwards serves the unfiltered listing, time ranges and common tags; owner,
 * status and sender each lead a B-tree ending in (created_at, id) so a page is an ordered index range;
 * tags, recipients and subject words go through GIN, which the planner weighs against the backward scan.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'uuid', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addColumn('event_count', 'integer', (column) => column.notNull())
    .addColumn('owner', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('from_email', 'text', (column) => column.notNull())
    .addColumn('from', 'jsonb', (column) => column.notNull())
    .addColumn('to', 'jsonb', (column) => column.notNull())
    .addColumn('cc', 'jsonb', (column) => column.notNull())
    .addColumn('bcc', 'jsonb', (column) => column.notNull())
    .addColumn('recipients', sql`text[]`, (column) => column.notNull())
    .addColumn('reply_to', 'jsonb')
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('headers', 'jsonb', (column) => column.notNull())
    .addColumn('tags', sql`text[]`, (column) => column.notNull())
    .addColumn('metadata', 'jsonb', (column) => column.notNull())
    .addColumn('attachments', 'jsonb', (column) => column.notNull())
    .addColumn('send_at', 'timestamptz')
    .addColumn('provider', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('error', 'jsonb')
    .addPrimaryKeyConstraint('messages_pkey', ['created_at', 'id'])
    .modifyEnd(sql`partition by range (created_at)`)
    .execute();
  await db.schema.createIndex('messages_id').on('messages').column('id').execute();
  await db.schema.createIndex('messages_owner_created').on('messages').columns(['owner', 'created_at', 'id']).execute();
  await db.schema.createIndex('messages_status_created').on('messages').columns(['status', 'created_at', 'id']).execute();
  await db.schema.createIndex('messages_from_created').on('messages').columns(['from_email', 'created_at', 'id']).execute();
  await db.schema.createIndex('messages_tags').on('messages').using('gin').column('tags').execute();
  await db.schema.createIndex('messages_recipients').on('messages').using('gin').column('recipients').execute();
  await db.schema.createIndex('messages_subject').on('messages').using('gin').expression(sql`to_tsvector('simple', subject)`).execute();

  await db.schema
    .createTable('message_events')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('email_id', 'uuid', (column) => column.notNull())
    .addColumn('seq', 'bigint', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('at', 'timestamptz', (column) => column.notNull())
    .addColumn('provider', 'text')
    .addColumn('detail', 'text')
    .addPrimaryKeyConstraint('message_events_pkey', ['created_at', 'email_id', 'seq'])
    .modifyEnd(sql`partition by range (created_at)`)
    .execute();

  await db.schema
    .createTable('message_attempts')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('email_id', 'uuid', (column) => column.notNull())
    .addColumn('seq', 'integer', (column) => column.notNull())
    .addColumn('round', 'integer', (column) => column.notNull())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('started_at', 'timestamptz', (column) => column.notNull())
    .addColumn('duration_ms', 'integer', (column) => column.notNull())
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('provider_message_id', 'text')
    .addColumn('response', 'text')
    .addColumn('error', 'jsonb')
    .addPrimaryKeyConstraint('message_attempts_pkey', ['created_at', 'email_id', 'seq'])
    .modifyEnd(sql`partition by range (created_at)`)
    .execute();

  await db.schema
    .createTable('message_bodies')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('email_id', 'uuid', (column) => column.notNull())
    .addColumn('text', 'text')
    .addColumn('html', 'text')
    .addPrimaryKeyConstraint('message_bodies_pkey', ['created_at', 'email_id'])
    .modifyEnd(sql`partition by range (created_at)`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['message_bodies', 'message_attempts', 'message_events', 'messages']) {
    await db.schema.dropTable(table).execute();
  }
}
