import { randomUUID } from 'node:crypto';
import { Kysely, sql } from 'kysely';
import { loadConfig } from '../src/config/config.module';
import { DatabaseConnection, HistoryPartitions, HistoryTables } from '../src/database/database.module';
import { HistoryEntry, HistoryStore } from '../src/database/history.store';
import type { EmailRecord } from '../src/mail/messages/messages.module';
import { ThrowawayPostgres } from './support/postgres';

const DAY_MS = 86_400_000;

function record(overrides: Partial<EmailRecord> = {}): EmailRecord {
  const createdAt = overrides.createdAt ?? new Date().toISOString();
  return {
    email: {
      id: randomUUID(),
      from: { email: 'shop@example.com', name: 'Shop' },
      to: [{ email: 'ann@example.net' }],
      cc: [],
      bcc: [],
      subject: 'Your order',
      text: 'Hello Ann',
      html: '<p>Hello Ann</p>',
      headers: { 'X-Order': '1042' },
      tags: ['orders', 'eu'],
      metadata: { order: '1042' },
      attachments: [],
    },
    owner: 'billing',
    status: 'queued',
    createdAt,
    updatedAt: createdAt,
    attempts: [],
    attachments: [],
    ...overrides,
  };
}

const sentLater = (queued: EmailRecord): EmailRecord => ({
  ...queued,
  status: 'sent',
  updatedAt: new Date(Date.parse(queued.updatedAt) + 1000).toISOString(),
  provider: 'sendgrid',
  providerMessageId: 'sg-1',
  attempts: [
    { provider: 'mailgun', round: 1, startedAt: queued.createdAt, durationMs: 30, outcome: 'failed', error: { type: 'transient', message: 'mailgun answered HTTP 503' } },
    { provider: 'sendgrid', round: 1, startedAt: queued.createdAt, durationMs: 20, outcome: 'sent', providerMessageId: 'sg-1' },
  ],
});

const entry = (streamId: string, current: EmailRecord | undefined, type: HistoryEntry['event']['type'], emailId = current!.email.id): HistoryEntry => ({
  streamId,
  emailId,
  event: { type, at: current?.updatedAt ?? new Date().toISOString() },
  record: current,
});

async function count(db: Kysely<HistoryTables>, table: keyof HistoryTables, emailId: string): Promise<number> {
  const column = table === 'messages' ? 'id' : 'email_id';
  const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${emailId}`.execute(db);
  return Number(rows[0].n);
}

describe('history in PostgreSQL', () => {
  let postgres: ThrowawayPostgres;
  let connection: DatabaseConnection;

  beforeAll(async () => {
    postgres = await ThrowawayPostgres.start();
    connection = await DatabaseConnection.open(loadConfig({ DATABASE_URL: await postgres.createDatabase() }));
  });

  afterAll(async () => {
    await connection?.onApplicationShutdown();
    await postgres?.stop();
  });

  describe('migrations', () => {
    it('create the history tables, each partitioned by range of created_at', async () => {
      const { rows } = await sql<{ name: string; strategy: string }>`
        select c.relname as name, p.partstrat as strategy from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
        order by c.relname`.execute(connection.db);
      expect(rows).toEqual(['message_attempts', 'message_bodies', 'message_events', 'messages'].map((name) => ({ name, strategy: 'r' })));
    });

    it('run once: a second process starting on the same database migrates nothing', async () => {
      const url = await postgres.createDatabase();
      const [first, second] = await Promise.all([0, 1].map(() => DatabaseConnection.open(loadConfig({ DATABASE_URL: url }))));
      const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(first.db);
      expect(rows.map(({ name }) => name)).toEqual(['0001-history']);
      await Promise.all([first.onApplicationShutdown(), second.onApplicationShutdown()]);
    });

    it('stop an older mailroute on a schema a newer one migrated, naming the migration', async () => {
      const url = await postgres.createDatabase();
      const current = await DatabaseConnection.open(loadConfig({ DATABASE_URL: url }));
      await sql`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', now())`.execute(current.db);
      await current.onApplicationShutdown();
      await expect(DatabaseConnection.open(loadConfig({ DATABASE_URL: url }))).rejects.toThrow(/9999-from-the-future/);
    });
  });

  describe('HistoryStore', () => {
    let store: HistoryStore;
    let partitions: HistoryPartitions;

    beforeAll(() => {
      partitions = new HistoryPartitions(connection.db, { days: 30, bodyDays: 7 });
      store = new HistoryStore(connection.db, partitions, true);
    });

    it('writes a message with its attempts, events and bodies; a replayed batch changes nothing', async () => {
      const queued = record();
      const sent = sentLater(queued);
      const batch = [entry('1-0', queued, 'queued'), entry('2-0', sent, 'attempt_failed'), entry('3-0', sent, 'sent')];
      await store.write(batch);
      await store.write(batch);

      const id = queued.email.id;
      const message = await connection.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(message).toMatchObject({ status: 'sent', provider: 'sendgrid', provider_message_id: 'sg-1', owner: 'billing', tags: ['orders', 'eu'] });
      expect(message.to).toEqual([{ email: 'ann@example.net' }]);
      expect(message.metadata).toEqual({ order: '1042' });
      expect(await count(connection.db, 'message_events', id)).toBe(3);
      expect(await count(connection.db, 'message_attempts', id)).toBe(2);
      expect(await connection.db.selectFrom('message_bodies').select(['text', 'html', 'headers']).where('email_id', '=', id).executeTakeFirst()).toEqual({
        text: 'Hello Ann',
        html: '<p>Hello Ann</p>',
        headers: { 'X-Order': '1042' },
      });
    });

    it('never lets an older snapshot, written late, overwrite a newer one', async () => {
      const queued = record();
      await store.write([entry('10-0', sentLater(queued), 'sent')]);
      await store.write([entry('9-0', queued, 'queued')]);
      const { status } = await connection.db.selectFrom('messages').select('status').where('id', '=', queued.email.id).executeTakeFirstOrThrow();
      expect(status).toBe('sent');
      expect(await count(connection.db, 'message_events', queued.email.id)).toBe(2);
    });

    it('keeps an event of a message that has left Redis', async () => {
      const id = randomUUID();
      await store.write([entry('11-0', undefined, 'delivered', id)]);
      expect(await count(connection.db, 'message_events', id)).toBe(1);
      expect(await count(connection.db, 'messages', id)).toBe(0);
    });

    it('keeps no bodies when MAIL_BODY_RETENTION_DAYS is 0, and none of a message not yet final', async () => {
      const withoutBodies = new HistoryStore(connection.db, partitions, false);
      const sent = sentLater(record());
      await withoutBodies.write([entry('12-0', sent, 'sent')]);
      const queued = record();
      await store.write([entry('13-0', queued, 'queued')]);
      expect(await count(connection.db, 'message_bodies', sent.email.id)).toBe(0);
      expect(await count(connection.db, 'message_bodies', queued.email.id)).toBe(0);
      expect(await count(connection.db, 'messages', sent.email.id)).toBe(1);
    });
  });

  describe('HistoryPartitions', () => {
    it('drops whole days past retention, bodies sooner than the rest', async () => {
      const db = (await DatabaseConnection.open(loadConfig({ DATABASE_URL: await postgres.createDatabase() }))).db;
      const partitions = new HistoryPartitions(db, { days: 30, bodyDays: 7 });
      const store = new HistoryStore(db, partitions, true);
      const now = Date.parse('2026-11-30T12:00:00Z');
      const ages = [40, 20, 3];
      const messages = ages.map((days) => sentLater(record({ createdAt: new Date(now - days * DAY_MS).toISOString() })));
      await store.write(messages.map((message, index) => entry(`${index + 20}-0`, message, 'sent')));

      const dropped = await partitions.dropExpired(new Date(now));
      expect(dropped.sort()).toEqual(
        [...['messages', 'message_events', 'message_attempts', 'message_bodies'].map((table) => `${table}_p20261021`), 'message_bodies_p20261110'].sort(),
      );
      const [old, middle, recent] = messages.map(({ email }) => email.id);
      expect(await count(db, 'messages', old)).toBe(0);
      expect(await count(db, 'message_events', old)).toBe(0);
      expect(await count(db, 'messages', middle)).toBe(1);
      expect(await count(db, 'message_bodies', middle)).toBe(0);
      expect(await count(db, 'message_bodies', recent)).toBe(1);
      await db.destroy();
    });
  });
});
