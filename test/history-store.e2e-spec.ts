import { randomUUID } from 'node:crypto';
import { Kysely, sql } from 'kysely';
import { loadConfig } from '../src/config/config.module';
import { DatabaseConnection, HistoryPartitions, HistoryStore, HistoryTables } from '../src/database/database.module';
import type { LateEvent } from '../src/mail/messages/messages.module';
import { queuedSnapshot, sentSnapshot } from './support/message-snapshot';
import { pollUntil } from './support/poll';
import { ThrowawayPostgres } from './support/postgres';

const DAY_MS = 86_400_000;

async function count(db: Kysely<HistoryTables>, table: keyof HistoryTables, emailId: string): Promise<number> {
  const column = table === 'messages' ? 'id' : 'email_id';
  const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${emailId}`.execute(db);
  return Number(rows[0].n);
}

async function eventTypes(db: Kysely<HistoryTables>, emailId: string): Promise<string[]> {
  const rows = await db.selectFrom('message_events').select('type').where('email_id', '=', emailId).orderBy('seq').execute();
  return rows.map(({ type }) => type);
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
      expect(rows.map(({ name }) => name)).toEqual(['0001-history', '0002-resent-from']);
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

    it('writes a message with its attempts, events and bodies; replaying its snapshots changes nothing', async () => {
      const queued = queuedSnapshot({ to: ['Ann@Example.net'], cc: ['bob@example.net'], from: 'Shop@Example.com' });
      const sent = sentSnapshot(queued);
      await store.write([queued, sent]);
      await store.write([queued, sent]);
      await store.write([sent]);

      const id = queued.record.email.id;
      const message = await connection.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(message).toMatchObject({
        status: 'sent',
        provider: 'sendgrid',
        provider_message_id: 'sg-1',
        owner: 'billing',
        tags: ['orders', 'eu'],
        from_email: 'shop@example.com',
        recipients: ['ann@example.net', 'bob@example.net'],
        event_count: 4,
      });
      expect(message.headers).toEqual({ 'X-Order': '1042' });
      expect(await eventTypes(connection.db, id)).toEqual(['queued', 'sending', 'attempt_failed', 'sent']);
      const attempts = await connection.db.selectFrom('message_attempts').select(['seq', 'provider', 'outcome']).where('email_id', '=', id).orderBy('seq').execute();
      expect(attempts).toEqual([
        { seq: 0, provider: 'mailgun', outcome: 'failed' },
        { seq: 1, provider: 'sendgrid', outcome: 'sent' },
      ]);
      expect(await connection.db.selectFrom('message_bodies').select(['text', 'html']).where('email_id', '=', id).execute()).toEqual([
        { text: 'Hello Ann', html: '<p>Hello Ann</p>' },
      ]);
    });

    it('never lets an older snapshot, written after a newer one, change the message', async () => {
      const queued = queuedSnapshot();
      const sent = sentSnapshot(queued);
      await store.write([sent]);
      await store.write([queued]);
      const id = queued.record.email.id;
      const message = await connection.db.selectFrom('messages').select(['status', 'updated_at', 'event_count']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(message).toEqual({ status: 'sent', updated_at: new Date(sent.record.updatedAt), event_count: 4 });
      expect(await eventTypes(connection.db, id)).toEqual(['queued', 'sending', 'attempt_failed', 'sent']);
      expect(await count(connection.db, 'message_attempts', id)).toBe(2);
    });

    it('takes the newer of two snapshots in one batch, even when they share updatedAt', async () => {
      const queued = queuedSnapshot();
      const sending = { record: { ...queued.record, status: 'sending' as const }, events: [...queued.events, { type: 'sending' as const, at: queued.record.createdAt }] };
      await store.write([sending, queued]);
      const { status } = await connection.db.selectFrom('messages').select('status').where('id', '=', queued.record.email.id).executeTakeFirstOrThrow();
      expect(status).toBe('sending');
    });

    it('writes a message whose status moved on in a later batch, with the events and attempts it gained', async () => {
      const queued = queuedSnapshot();
      await store.write([queued]);
      await store.write([sentSnapshot(queued)]);
      const id = queued.record.email.id;
      expect((await connection.db.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('sent');
      expect(await eventTypes(connection.db, id)).toEqual(['queued', 'sending', 'attempt_failed', 'sent']);
      expect(await count(connection.db, 'message_attempts', id)).toBe(2);
    });

    it('stores late events under their message, after its list, and returns (without storing) those of unknown messages', async () => {
      const queued = queuedSnapshot({ createdAt: new Date(Date.now() - 2 * DAY_MS).toISOString() });
      const sent = sentSnapshot(queued);
      await store.write([sent]);
      const id = queued.record.email.id;
      const base = Date.now() * 1000;
      const delivered: LateEvent = { emailId: id, seq: base, event: { type: 'delivered', at: new Date().toISOString(), provider: 'sendgrid' } };
      const complained: LateEvent = { emailId: id, seq: base + 1, event: { type: 'complained', at: new Date().toISOString(), provider: 'sendgrid' } };
      const unknown: LateEvent = { emailId: randomUUID(), seq: base + 2, event: { type: 'bounced', at: new Date().toISOString() } };

      expect(await store.writeLateEvents([complained, unknown, delivered])).toEqual([unknown]);
      expect(await store.writeLateEvents([delivered, complained])).toEqual([]);

      expect(await eventTypes(connection.db, id)).toEqual(['queued', 'sending', 'attempt_failed', 'sent', 'delivered', 'complained']);
      const createdAts = await connection.db.selectFrom('message_events').select('created_at').distinct().where('email_id', '=', id).execute();
      expect(createdAts).toEqual([{ created_at: new Date(queued.record.createdAt) }]);
      expect(await count(connection.db, 'message_events', unknown.emailId)).toBe(0);
      expect(await store.writeLateEvents([])).toEqual([]);
    });

    it('keeps bodies only of final messages, and none when MAIL_BODY_RETENTION_DAYS is 0', async () => {
      const withoutBodies = new HistoryStore(connection.db, partitions, false);
      const sent = sentSnapshot(queuedSnapshot());
      await withoutBodies.write([sent]);
      const queued = queuedSnapshot();
      await store.write([queued]);
      expect(await count(connection.db, 'message_bodies', sent.record.email.id)).toBe(0);
      expect(await count(connection.db, 'message_bodies', queued.record.email.id)).toBe(0);
      expect(await count(connection.db, 'messages', sent.record.email.id)).toBe(1);
      expect(await count(connection.db, 'messages', queued.record.email.id)).toBe(1);
    });

    it('writes a batch of thousands of messages, and one whose bodies take several statements', async () => {
      const snapshots = Array.from({ length: 3000 }, () => sentSnapshot(queuedSnapshot()));
      await store.write(snapshots);
      const ids = snapshots.map(({ record }) => record.email.id);
      const { n } = await connection.db.selectFrom('message_events').select((eb) => eb.fn.countAll<string>().as('n')).where('email_id', 'in', ids).executeTakeFirstOrThrow();
      expect(Number(n)).toBe(4 * 3000);

      const large = Array.from({ length: 5 }, () => {
        const sent = sentSnapshot(queuedSnapshot());
        return { ...sent, record: { ...sent.record, email: { ...sent.record.email, html: `<p>${'x'.repeat(5 * 1024 * 1024)}</p>` } } };
      });
      await store.write(large);
      const lengths = await connection.db
        .selectFrom('message_bodies')
        .select((eb) => eb.fn<number>('length', ['html']).as('length'))
        .where('email_id', 'in', large.map(({ record }) => record.email.id))
        .execute();
      expect(lengths).toEqual(Array.from({ length: 5 }, () => ({ length: 5 * 1024 * 1024 + 7 })));
    });

    it('keeps U+FFFD where a body or a provider answer had NUL, which PostgreSQL text cannot hold, instead of failing the batch', async () => {
      const sent = sentSnapshot(queuedSnapshot());
      const [failed, accepted] = sent.record.attempts;
      const record = {
        ...sent.record,
        email: { ...sent.record.email, text: 'nul\u0000 and the text \\u0000 itself' },
        attempts: [failed, { ...accepted, response: '250 ok\u0000' }],
      };
      const events = sent.events.map((event) => (event.type === 'attempt_failed' ? { ...event, detail: 'refused\u0000' } : event));
      const other = sentSnapshot(queuedSnapshot());
      await store.write([{ record, events }, other]);

      const id = record.email.id;
      expect(await connection.db.selectFrom('message_bodies').select('text').where('email_id', '=', id).executeTakeFirstOrThrow()).toEqual({
        text: 'nul\ufffd and the text \\u0000 itself',
      });
      const { response } = await connection.db.selectFrom('message_attempts').select('response').where('email_id', '=', id).where('seq', '=', 1).executeTakeFirstOrThrow();
      expect(response).toBe('250 ok\ufffd');
      const { detail } = await connection.db.selectFrom('message_events').select('detail').where('email_id', '=', id).where('type', '=', 'attempt_failed').executeTakeFirstOrThrow();
      expect(detail).toBe('refused\ufffd');
      expect(await count(connection.db, 'messages', other.record.email.id)).toBe(1);

      const late: LateEvent = { emailId: id, seq: Date.now() * 1000, event: { type: 'bounced', at: new Date().toISOString(), detail: 'mailbox\u0000full' } };
      expect(await store.writeLateEvents([late])).toEqual([]);
      const bounced = await connection.db.selectFrom('message_events').select('detail').where('email_id', '=', id).where('type', '=', 'bounced').executeTakeFirstOrThrow();
      expect(bounced.detail).toBe('mailbox\ufffdfull');
    });
  });

  describe('HistoryPartitions', () => {
    it('drops whole days past retention, bodies sooner than the rest', async () => {
      const db = (await DatabaseConnection.open(loadConfig({ DATABASE_URL: await postgres.createDatabase() }))).db;
      const partitions = new HistoryPartitions(db, { days: 30, bodyDays: 7 });
      const store = new HistoryStore(db, partitions, true);
      const now = Date.parse('2026-11-30T12:00:00Z');
      const ages = [40, 20, 3];
      const snapshots = ages.map((days) => sentSnapshot(queuedSnapshot({ createdAt: new Date(now - days * DAY_MS).toISOString() })));
      await store.write(snapshots);

      const dropped = await partitions.dropExpired(new Date(now));
      expect(dropped.sort()).toEqual(
        [...['messages', 'message_events', 'message_attempts', 'message_bodies'].map((table) => `${table}_p20261021`), 'message_bodies_p20261110'].sort(),
      );
      const [old, middle, recent] = snapshots.map(({ record }) => record.email.id);
      expect(await count(db, 'messages', old)).toBe(0);
      expect(await count(db, 'message_events', old)).toBe(0);
      expect(await count(db, 'message_attempts', old)).toBe(0);
      expect(await count(db, 'messages', middle)).toBe(1);
      expect(await count(db, 'message_events', middle)).toBe(4);
      expect(await count(db, 'message_bodies', middle)).toBe(0);
      expect(await count(db, 'message_bodies', recent)).toBe(1);
      await db.destroy();
    });
  });

  // Last: it stops this file's server for a moment.
  it('fails a query in flight when PostgreSQL dies, and nothing else: the process keeps running, and answers again once PostgreSQL is back', async () => {
    // Jest fails a file on an 'error' event nobody listens to, as Node would stop the process on it.
    const running = sql`select pg_sleep(30)`.execute(connection.db);
    await pollUntil(
      () => sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where query like 'select pg_sleep%'`.execute(connection.db),
      ({ rows }) => rows[0].n === 1,
    );
    await postgres.server.kill();
    await expect(running).rejects.toThrow(/terminated/);

    await postgres.restart();
    await pollUntil(
      () => sql`select 1 as one`.execute(connection.db).then(() => true, () => false),
      (answered) => answered,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
  });
});
