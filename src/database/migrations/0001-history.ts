import { Kysely, sql } from 'kysely';

/**
 * The history tables, partitioned by day on the message's creation time (partitions are made by
 * HistoryPartitions). A partitioned table's keys must contain the partition key, so every key starts with
 * `created_at`. Only messages are looked up by id alone; events, attempts and bodies are reached through
 * their message's `created_at`, so their primary keys are their only indexes.
 * The listing's indexes were chosen by EXPLAIN ANALYZE and their size over a million messages
 * (bench/history-listing.ts): the primary key read backwards serves the unfiltered listing, time ranges
 * and common tags; owner, sender and status each lead a B-tree on created_at, so a page is an index range
 * (ties of one millisecond are sorted by id on the way: adding id to these indexes cost 16 bytes a message
 * each); tags, recipients and subject words go through GIN, which the planner weighs against the
 * backward scan.
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
    .addColumn('from', 'json', (column) => column.notNull())
    .addColumn('to', 'json', (column) => column.notNull())
    .addColumn('cc', 'json', (column) => column.notNull())
    .addColumn('bcc', 'json', (column) => column.notNull())
    .addColumn('recipients', sql`text[]`, (column) => column.notNull())
    .addColumn('reply_to', 'json')
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('headers', 'json', (column) => column.notNull())
    .addColumn('tags', sql`text[]`, (column) => column.notNull())
    .addColumn('metadata', 'json', (column) => column.notNull())
    .addColumn('attachments', 'json', (column) => column.notNull())
    .addColumn('send_at', 'timestamptz')
    .addColumn('provider', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('error', 'json')
    .addPrimaryKeyConstraint('messages_pkey', ['created_at', 'id'])
    .modifyEnd(sql`partition by range (created_at)`)
    .execute();
  await db.schema.createIndex('messages_id').on('messages').column('id').execute();
  await db.schema.createIndex('messages_owner_created').on('messages').columns(['owner', 'created_at']).execute();
  await db.schema.createIndex('messages_from_created').on('messages').columns(['from_email', 'created_at']).execute();
  // Every status but the one most messages end in: listing `sent` reads the primary key, which it mostly matches.
  await db.schema.createIndex('messages_status_created').on('messages').columns(['status', 'created_at']).where('status', '<>', 'sent').execute();
  // fastupdate off: its pending list, flushed into the index entry by entry, left these a third to a tenth as
  // dense (measured); the writer's batches do not need the faster inserts it buys.
  await sql`create index messages_tags on messages using gin (tags) with (fastupdate = off)`.execute(db);
  await sql`create index messages_recipients on messages using gin (recipients) with (fastupdate = off)`.execute(db);
  await sql`create index messages_subject on messages using gin (to_tsvector('simple', subject)) with (fastupdate = off)`.execute(db);

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
    .addColumn('error', 'json')
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
