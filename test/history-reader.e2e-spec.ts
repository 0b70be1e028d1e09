import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { loadConfig } from '../src/config/config.module';
import { DatabaseConnection, HistoryPartitions, HistoryQuery, HistoryReader, HistoryStore, HistoryTables } from '../src/database/database.module';
import type { MessageSnapshot } from '../src/mail/messages/messages.module';
import type { EmailRecord } from '../src/mail/messages/messages.module';
import { queuedSnapshot, sentSnapshot, withoutBodies } from './support/message-snapshot';
import { ThrowawayPostgres } from './support/postgres';

const HOUR_MS = 3_600_000;
const BATCH_AT = Date.parse('2026-11-20T10:00:00.123Z');
const OWNERS = ['billing', 'shop', undefined] as const;
const SUBJECTS = ['Your order confirmed', 'Weekly news', 'Order shipped today'];

/** The listing's order: newest first, then by id, as PostgreSQL orders uuids (their hex digits). */
function newestFirst(a: EmailRecord, b: EmailRecord): number {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt) || (b.email.id > a.email.id ? 1 : -1);
}

/**
 * Thirty messages over five days, the first ten accepted as one batch (one millisecond); owners,
 * statuses, tags, recipients, senders and subjects each cycle with a different period, so that
 * filters combine into different sets. Those without an owner have no reply-to either.
 */
function history(): MessageSnapshot[] {
  return Array.from({ length: 30 }, (_, i) => {
    const queued = queuedSnapshot({
      createdAt: new Date(i < 10 ? BATCH_AT : BATCH_AT - i * 3.7 * HOUR_MS).toISOString(),
      owner: OWNERS[i % 3],
      subject: SUBJECTS[i % 3],
      from: i % 3 === 0 ? 'Shop@Example.com' : 'news@example.org',
      to: [`user${i % 5}@Example.net`],
      cc: i % 7 === 0 ? ['audit@example.net'] : [],
      tags: i % 2 === 0 ? ['news', 'eu'] : ['orders'],
    });
    if (queued.record.owner === undefined) delete queued.record.email.replyTo;
    return i % 4 === 0 ? queued : sentSnapshot(queued);
  });
}

describe('HistoryReader', () => {
  let postgres: ThrowawayPostgres;
  let connection: DatabaseConnection;
  let reader: HistoryReader;
  let written: MessageSnapshot[];
  let records: EmailRecord[];

  /** Every page of a listing, each `limit` long, following the cursor each page returns. */
  async function everyPage(query: Omit<HistoryQuery, 'limit' | 'after'>, limit = 4): Promise<EmailRecord[][]> {
    const pages: EmailRecord[][] = [];
    let after: HistoryQuery['after'];
    do {
      const page = await reader.list({ ...query, limit, after });
      pages.push(page.records);
      after = page.next;
    } while (after);
    return pages;
  }

  async function listedIds(query: Omit<HistoryQuery, 'limit' | 'after'>): Promise<string[]> {
    return (await everyPage(query)).flat().map(({ email }) => email.id);
  }

  const expectedIds = (keep: (record: EmailRecord, index: number) => boolean) =>
    records
      .filter((record) => keep(record, written.findIndex((snapshot) => snapshot.record === record)))
      .sort(newestFirst)
      .map(({ email }) => email.id);

  beforeAll(async () => {
    postgres = await ThrowawayPostgres.start();
    connection = await DatabaseConnection.open(loadConfig({ DATABASE_URL: await postgres.createDatabase() }));
    reader = new HistoryReader(connection.db);
    written = history();
    records = written.map(({ record }) => record);
    await new HistoryStore(connection.db, new HistoryPartitions(connection.db, { days: 30, bodyDays: 7 }), true).write(written);
  });

  afterAll(async () => {
    await connection?.onApplicationShutdown();
    await postgres?.stop();
  });

  describe('find, events and body', () => {
    it('give back a sent message as it was written, without its bodies, and its events in order with late ones last', async () => {
      const sent = written[1];
      const id = sent.record.email.id;
      const late = { emailId: id, seq: Date.now() * 1000, event: { type: 'delivered' as const, at: new Date().toISOString(), provider: 'sendgrid' } };
      const store = new HistoryStore(connection.db, new HistoryPartitions(connection.db, { days: 30, bodyDays: 7 }), true);
      await store.writeLateEvents([late]);

      expect(await reader.find(id)).toStrictEqual(withoutBodies(sent.record));
      expect(await reader.events(id)).toStrictEqual([...sent.events, late.event]);
      expect(await reader.body(id)).toStrictEqual({ text: 'Hello Ann', html: '<p>Hello Ann</p>' });
    });

    it('leave out what a message does not have: an owner, a reply-to, attempts, a provider, bodies while not final', async () => {
      const bare = written[8];
      expect(bare.record.status).toBe('queued');
      const found = await reader.find(bare.record.email.id);
      expect(found).toStrictEqual(withoutBodies(bare.record));
      expect(found).not.toHaveProperty('owner');
      expect(found).not.toHaveProperty('provider');
      expect(found!.email).not.toHaveProperty('replyTo');
      expect(found!.attempts).toEqual([]);
      expect(await reader.body(bare.record.email.id)).toBeUndefined();
    });

    it('answer undefined and no events for a message not in the history', async () => {
      const id = randomUUID();
      expect(await reader.find(id)).toBeUndefined();
      expect(await reader.events(id)).toEqual([]);
      expect(await reader.body(id)).toBeUndefined();
    });

    it('reject when PostgreSQL fails, rather than answer that there is no such message', async () => {
      const unmigrated = new Kysely<HistoryTables>({ dialect: new PostgresDialect({ pool: new Pool({ connectionString: await postgres.createDatabase() }) }) });
      const broken = new HistoryReader(unmigrated);
      const id = written[1].record.email.id;
      try {
        await expect(broken.find(id)).rejects.toThrow(/does not exist/);
        await expect(broken.events(id)).rejects.toThrow(/does not exist/);
        await expect(broken.body(id)).rejects.toThrow(/does not exist/);
        await expect(broken.list({ limit: 10 })).rejects.toThrow(/does not exist/);
      } finally {
        await unmigrated.destroy();
      }
    });
  });

  describe('list', () => {
    it('pages through every message exactly once, newest first, through a batch that shares one millisecond', async () => {
      const pages = await everyPage({}, 4);
      expect(pages.flat().map(({ email }) => email.id)).toEqual(expectedIds(() => true));
      expect(pages.map((page) => page.length)).toEqual([4, 4, 4, 4, 4, 4, 4, 2]);
    });

    it('returns each record with its attempts, as find does', async () => {
      const page = await reader.list({ limit: 100 });
      for (const snapshot of written) {
        expect(page.records.find(({ email }) => email.id === snapshot.record.email.id)).toStrictEqual(withoutBodies(snapshot.record));
      }
    });

    it('sets next only when the page is full', async () => {
      const all = await reader.list({ limit: 100 });
      expect(all.next).toBeUndefined();
      const exact = await reader.list({ status: 'queued', limit: expectedIds((record) => record.status === 'queued').length });
      expect(exact.next).toBeDefined();
      expect(await reader.list({ status: 'queued', limit: 10, after: exact.next })).toEqual({ records: [] });
    });

    it.each<[string, Omit<HistoryQuery, 'limit'>, (record: EmailRecord, index: number) => boolean]>([
      ['status', { status: 'sent' }, (record) => record.status === 'sent'],
      ['tag', { tag: 'orders' }, (record) => record.email.tags.includes('orders')],
      ['recipient in to, any case', { to: 'USER3@example.NET' }, (record) => record.email.to[0].email === 'user3@Example.net'],
      ['recipient in cc', { to: 'audit@example.net' }, (_, i) => i % 7 === 0],
      ['sender, any case', { from: 'shop@EXAMPLE.com' }, (_, i) => i % 3 === 0],
      ['owner', { owner: 'shop' }, (record) => record.owner === 'shop'],
      ['status, tag and owner', { status: 'sent', tag: 'news', owner: 'billing' }, (record) => record.status === 'sent' && record.email.tags.includes('news') && record.owner === 'billing'],
      ['sender and recipient', { from: 'news@example.org', to: 'user1@example.net' }, (record, i) => i % 3 !== 0 && i % 5 === 1],
      ['subject word, owner and since', { subject: 'order', owner: 'billing', since: BATCH_AT - 10 * 3.7 * HOUR_MS }, (record, i) => i % 3 === 0 && i <= 10],
      ['subject word and until', { subject: 'order', until: BATCH_AT - 1 }, (record, i) => i % 3 !== 1 && i >= 10],
    ])('filters by %s, each page from the cursor of the same filter', async (_, query, keep) => {
      const expected = expectedIds(keep);
      expect(expected.length).toBeGreaterThan(0);
      expect(await listedIds(query)).toEqual(expected);
    });

    it('lists for one owner none of another owner’s messages, and none without an owner', async () => {
      const listed = (await everyPage({ owner: 'billing' }, 100)).flat();
      expect(listed.length).toBe(10);
      expect(listed.every((record) => record.owner === 'billing')).toBe(true);
      expect(await listedIds({ owner: 'nobody' })).toEqual([]);
    });

    it.each<[string, number[]]>([
      ['order confirmed', [0]],
      ['confirmed ORDER', [0]],
      ['order shipped', [2]],
      ['ord', [0, 2]],
      ['weekly ne', [1]],
      ['news order', []],
      ['!!!', []],
    ])('searches the subject for "%s": every word, the last as a prefix', async (subject, kinds) => {
      expect(await listedIds({ subject })).toEqual(expectedIds((_, i) => kinds.includes(i % 3)));
    });

    it('finds nothing, without failing, in an empty history', async () => {
      const empty = await DatabaseConnection.open(loadConfig({ DATABASE_URL: await postgres.createDatabase() }));
      try {
        const emptyReader = new HistoryReader(empty.db);
        expect(await emptyReader.list({ subject: 'order', limit: 10 })).toEqual({ records: [] });
        expect(await emptyReader.list({ to: 'ann@example.net', limit: 10 })).toEqual({ records: [] });
        expect(await emptyReader.list({ limit: 10 })).toEqual({ records: [] });
      } finally {
        await empty.onApplicationShutdown();
      }
    });

    it('keeps since and until inclusive', async () => {
      const since = BATCH_AT - 10 * 3.7 * HOUR_MS;
      const until = BATCH_AT - 3.7 * 15 * HOUR_MS;
      expect(await listedIds({ until: since })).toEqual(expectedIds((record) => Date.parse(record.createdAt) <= since));
      expect(await listedIds({ since })).toEqual(expectedIds((record) => Date.parse(record.createdAt) >= since));
      const range = await listedIds({ since: until, until: since, status: 'sent' });
      expect(range).toEqual(
        expectedIds((record) => record.status === 'sent' && Date.parse(record.createdAt) >= until && Date.parse(record.createdAt) <= since),
      );
      expect(range).toContain(records[10].email.id);
      expect(range).toContain(records[15].email.id);
      expect(await listedIds({ since: BATCH_AT })).toEqual(expectedIds((_, i) => i < 10));
    });
  });

  // The reader tries a tag or subject filter on the newest few hundred messages in order before it goes
  // day by day through the index: these pages cross from one to the other.
  describe('a tag or word that the newest messages lack', () => {
    const NEWEST = 600;
    const NEWEST_AT = Date.parse('2026-11-25T12:00:00.000Z');
    /** Positions among the newest, newest first: inside the first few hundred, and one further back. */
    const RARE_AMONG_NEWEST = [3, 499, 540];
    let crowded: DatabaseConnection;
    let crowdedReader: HistoryReader;
    let snapshots: MessageSnapshot[];

    const rare = (position: number) =>
      queuedSnapshot({ createdAt: new Date(NEWEST_AT - position * 1000).toISOString(), subject: 'Invoice ready', tags: ['rare'] });
    const bulk = (position: number) =>
      queuedSnapshot({ createdAt: new Date(NEWEST_AT - position * 1000).toISOString(), subject: 'Bulk news', tags: ['bulk'] });

    beforeAll(async () => {
      crowded = await DatabaseConnection.open(loadConfig({ DATABASE_URL: await postgres.createDatabase() }));
      crowdedReader = new HistoryReader(crowded.db);
      const newest = Array.from({ length: NEWEST }, (_, position) => (RARE_AMONG_NEWEST.includes(position) ? rare(position) : bulk(position)));
      const older = Array.from({ length: 10 }, (_, step) => rare(NEWEST + (step + 1) * 8 * 3600));
      snapshots = [...newest, ...older];
      await new HistoryStore(crowded.db, new HistoryPartitions(crowded.db, { days: 30, bodyDays: 7 }), true).write(snapshots);
    });
    afterAll(() => crowded?.onApplicationShutdown());

    async function pagesOf(query: Omit<HistoryQuery, 'limit' | 'after'>, limit: number): Promise<string[][]> {
      const pages: string[][] = [];
      let after: HistoryQuery['after'];
      do {
        const page = await crowdedReader.list({ ...query, limit, after });
        pages.push(page.records.map(({ email }) => email.id));
        after = page.next;
      } while (after);
      return pages;
    }

    const idsWhere = (keep: (snapshot: MessageSnapshot) => boolean) =>
      snapshots
        .filter(keep)
        .map(({ record }) => record)
        .sort(newestFirst)
        .map(({ email }) => email.id);

    it.each<[string, Omit<HistoryQuery, 'limit' | 'after'>]>([
      ['tag', { tag: 'rare' }],
      ['subject word', { subject: 'invoice' }],
      ['tag and status', { tag: 'rare', status: 'queued' }],
    ])('finds by %s the few among the newest and then the older ones, each once and in order', async (_, query) => {
      const pages = await pagesOf(query, 4);
      expect(pages.flat()).toEqual(idsWhere(({ record }) => record.email.tags.includes('rare')));
      expect(pages.map((page) => page.length)).toEqual([4, 4, 4, 1]);
    });

    it('pages through a tag most of the newest carry, across the probed few hundred', async () => {
      const pages = await pagesOf({ tag: 'bulk' }, 50);
      expect(pages.flat()).toEqual(idsWhere(({ record }) => record.email.tags.includes('bulk')));
      expect(pages.flat()).toHaveLength(NEWEST - RARE_AMONG_NEWEST.length);
    });

    it('finds nothing for a tag no message carries', async () => {
      expect(await crowdedReader.list({ tag: 'absent', limit: 10 })).toEqual({ records: [] });
      expect(await crowdedReader.list({ subject: 'absent', limit: 10 })).toEqual({ records: [] });
    });
  });
});

