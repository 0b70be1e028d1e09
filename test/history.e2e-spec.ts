import { Client } from 'pg';
import type Redis from 'ioredis';
import { loadConfig } from '../src/config/config.module';
import { DatabaseConnection } from '../src/database/database.module';
import { pollUntil } from './support/poll';
import { ThrowawayPostgres } from './support/postgres';
import { ThrowawayRedis } from './support/redis';
import { keepingToRateLimit } from './support/rate-limit';
import { TestApp } from './support/test-app';

const message = {
  from: { email: 'shop@example.com', name: 'Shop' },
  to: ['ann@example.com'],
  cc: ['Bob@Example.com'],
  subject: 'Your order 1042 has shipped',
  text: 'It is on its way.',
  html: '<p>It is on its way.</p>',
  tags: ['order-shipped'],
  metadata: { orderId: '1042' },
  attachments: [{ filename: 'invoice.txt', content: Buffer.from('invoice 1042').toString('base64'), contentType: 'text/plain' }],
};

/** Rows of `sql` on the history database, read with a client of the test's own. */
async function rows<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Every Redis key of the message: its record, events, attempts, attachment bytes (not the marker a moved one leaves). */
const keysOf = async (redis: Redis, id: string) => (await redis.keys(`mailroute:email:${id}*`)).filter((key) => !key.endsWith(':moved'));

/** A client of its own, for the test about its Idempotency-Key: keys are per API key. */

describe('history in PostgreSQL', () => {
  let redis: ThrowawayRedis;
  let postgres: ThrowawayPostgres;
  let databaseUrl: string;
  let app: TestApp;
  let client: Redis;

  beforeAll(async () => {
    [redis, postgres] = await Promise.all([ThrowawayRedis.start(), ThrowawayPostgres.start()]);
    databaseUrl = await postgres.createDatabase();
    app = await TestApp.start({ redisUrl: redis.url, databaseUrl });
    client = redis.client();
  });
  afterAll(async () => {
    client?.disconnect();
    await app?.close();
    await Promise.all([redis?.stop(), postgres?.stop()]);
  });

  const deliver = async (body: object = message) => {
    const { body: accepted } = await app.send(body).expect(202);
    return app.waitForStatus(accepted.id, ['sent']);
  };
  const movedOutOfRedis = (id: string) => pollUntil(() => keysOf(client, id), (keys) => keys.length === 0);

  it('moves a delivered message to PostgreSQL whole, then removes it from Redis; the API reads it the same', async () => {
    const sent = await deliver();
    const eventsBefore = (await app.http.get(`/v1/emails/${sent.id}/events`).expect(200)).body;
    await movedOutOfRedis(sent.id);

    expect((await app.http.get(`/v1/emails/${sent.id}`).expect(200)).body).toEqual(sent);
    expect((await app.http.get(`/v1/emails/${sent.id}/events`).expect(200)).body).toEqual(eventsBefore);
    expect(eventsBefore.map((event: { type: string }) => event.type)).toEqual(['queued', 'sending', 'sent']);

    const [row] = await rows<{ status: string; recipients: string[]; attempts: number; events: number }>(
      databaseUrl,
      `select status, recipients,
         (select count(*)::int from message_attempts a where a.email_id = m.id) as attempts,
         (select count(*)::int from message_events e where e.email_id = m.id) as events
       from messages m where id = $1`,
      [sent.id],
    );
    expect(row).toEqual({ status: 'sent', recipients: ['ann@example.com', 'bob@example.com'], attempts: 1, events: 3 });
    const [body] = await rows<{ text: string; html: string }>(databaseUrl, 'select text, html from message_bodies where email_id = $1', [sent.id]);
    expect(body).toEqual({ text: message.text, html: message.html });
    expect((await app.http.get(`/v1/emails/${sent.id}/content`).expect(200)).body).toEqual(body);
    expect(await client.zscore('mailroute:finished', sent.id)).toBeNull();
    expect(await client.zscore('mailroute:inflight', sent.id)).toBeNull();
  });

  it('serves the bodies of a message in flight from Redis, before the history keeps any', async () => {
    const { body: accepted } = await app.send({ ...message, sendAt: new Date(Date.now() + 3_600_000).toISOString() }).expect(202);
    const content = await app.http.get(`/v1/emails/${accepted.id}/content`).expect(200);
    expect(content.body).toEqual({ text: message.text, html: message.html });
    expect(await rows(databaseUrl, 'select 1 from message_bodies where email_id = $1', [accepted.id])).toEqual([]);
    // Finished, so that it moves like the others (a later test sees Redis empty).
    await app.http.post(`/v1/emails/${accepted.id}/cancel`).expect(200);
  });

  it('moves a message whose text has a NUL, which PostgreSQL text cannot hold, with U+FFFD in its place, and the messages beside it', async () => {
    const [withNul, beside] = await Promise.all([deliver({ ...message, text: 'before\u0000after' }), deliver()]);
    await Promise.all([movedOutOfRedis(withNul.id), movedOutOfRedis(beside.id)]);
    const bodies = await rows<{ email_id: string; text: string }>(databaseUrl, 'select email_id, text from message_bodies where email_id = any($1)', [
      [withNul.id, beside.id],
    ]);
    expect(Object.fromEntries(bodies.map(({ email_id, text }) => [email_id, text]))).toEqual({
      [withNul.id]: 'before\ufffdafter',
      [beside.id]: message.text,
    });
  });

  it('never answers 404 for a message on its way from Redis to PostgreSQL', async () => {
    const accepted = await Promise.all(Array.from({ length: 10 }, async () => (await app.send(message).expect(202)).body.id as string));
    const statuses = new Set<number>();
    await pollUntil(
      async () => {
        const answers = await Promise.all(accepted.map((id) => keepingToRateLimit(() => app.http.get(`/v1/emails/${id}`))));
        answers.forEach(({ status }) => statuses.add(status));
        return (await Promise.all(accepted.map((id) => keysOf(client, id)))).flat();
      },
      (left) => left.length === 0,
      { timeoutMs: 20_000, intervalMs: 5 },
    );
    expect([...statuses]).toEqual([200]);
  });

  it('lists from PostgreSQL with keyset pages and filters by sender and subject words', async () => {
    const ids = [(await deliver()).id, (await deliver({ ...message, from: 'billing@example.com', subject: 'Invoice 7' })).id];
    await Promise.all(ids.map(movedOutOfRedis));
    const list = async (query: object) => (await app.http.get('/v1/emails').query(query).expect(200)).body;

    expect((await list({ from: 'BILLING@example.com' })).data.map((email: { id: string }) => email.id)).toEqual([ids[1]]);
    expect((await list({ subject: 'order shipped', limit: 100 })).data.map((email: { id: string }) => email.id)).toContain(ids[0]);
    expect((await list({ subject: 'invoice' })).data.map((email: { id: string }) => email.id)).toEqual([ids[1]]);
    const first = await list({ limit: 1 });
    expect(first.data.map((email: { id: string }) => email.id)).toEqual([ids[1]]);
    expect((await list({ limit: 1, cursor: first.nextCursor })).data.map((email: { id: string }) => email.id)).toEqual([ids[0]]);
  });

  it('repeats an Idempotency-Key after the message moved: same id and status, not stored or sent again', async () => {
    const send = () => app.send(message).set('Idempotency-Key', 'history-repeat-1');
    const first = await send().expect(202);
    await app.waitForStatus(first.body.id, ['sent']);
    await movedOutOfRedis(first.body.id);

    const repeat = await send().expect(202);
    expect(repeat.body).toEqual({ id: first.body.id, status: 'sent' });
    expect(await client.exists(`mailroute:email:${first.body.id}`)).toBe(0);
    const [{ count }] = await rows<{ count: number }>(databaseUrl, 'select count(*)::int as count from messages where id = $1', [first.body.id]);
    expect(count).toBe(1);
  });

  it('answers 409 when cancelling a message that has finished and moved', async () => {
    const sent = await deliver();
    await movedOutOfRedis(sent.id);
    const refused = await app.http.post(`/v1/emails/${sent.id}/cancel`).expect(409);
    expect(refused.body.message).toBe('The email is sent and can no longer be cancelled.');
  });

  it('keeps accepting and delivering while PostgreSQL is down, keeps the history in Redis, and catches up after', async () => {
    await postgres.server.kill();
    const ids = await Promise.all(Array.from({ length: 5 }, async () => (await app.send(message).expect(202)).body.id as string));
    await Promise.all(ids.map((id) => app.waitForStatus(id, ['sent'])));

    const ready = await app.http.get('/health/ready').expect(200);
    expect(ready.body.details.history).toMatchObject({ status: 'up', database: 'down', waiting: expect.any(Number) });
    expect(ready.body.details.history.waiting).toBeGreaterThanOrEqual(ids.length);
    const listing = await app.http.get('/v1/emails').expect(503);
    expect(listing.body.message).toBe('The message history (PostgreSQL) is unreachable; try again.');
    for (const id of ids) expect(await client.exists(`mailroute:email:${id}`)).toBe(1);

    await postgres.restart();
    await Promise.all(ids.map(movedOutOfRedis));
    const moved = await rows<{ id: string; status: string }>(databaseUrl, 'select id, status from messages where id = any($1)', [ids]);
    expect(moved.map(({ id }) => id).sort()).toEqual([...ids].sort());
    expect(new Set(moved.map(({ status }) => status))).toEqual(new Set(['sent']));
    expect((await app.http.get('/health/ready').expect(200)).body.details.history).toMatchObject({ database: 'up', waiting: 0, lagSeconds: 0 });
  });

  it('leaves no per-message key in Redis once everything has moved, and trims the event stream', async () => {
    await pollUntil(
      async () => ({ keys: await client.keys('mailroute:email:*'), finished: await client.zcard('mailroute:finished') }),
      ({ keys, finished }) => keys.every((key) => key.endsWith(':moved')) && finished === 0,
    );
    expect(await client.zcard('mailroute:inflight')).toBe(0);
    await pollUntil(() => client.xlen('mailroute:events'), (length) => length === 0);
  });
});

describe('history in PostgreSQL, when PostgreSQL is away at start', () => {
  let redis: ThrowawayRedis;
  let postgres: ThrowawayPostgres;
  let databaseUrl: string;
  let app: TestApp | undefined;

  beforeAll(async () => {
    [redis, postgres] = await Promise.all([ThrowawayRedis.start(), ThrowawayPostgres.start()]);
    databaseUrl = await postgres.createDatabase();
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([redis?.stop(), postgres?.stop()]);
  });

  // The connection alone: a whole app that fails to start leaves its Redis clients behind in the test process.
  it('refuses to start on an answer waiting will not change (a wrong password), naming it', async () => {
    const wrong = new URL(databaseUrl);
    wrong.password = 'not-the-password';
    const opening = DatabaseConnection.open(loadConfig({ REDIS_URL: redis.url, DATABASE_URL: wrong.toString() }));
    await expect(opening).rejects.toThrow(/password authentication failed/);
  });

  it('starts without it, accepts and delivers, and migrates and catches up once it answers', async () => {
    await postgres.server.kill();
    app = await TestApp.start({ redisUrl: redis.url, databaseUrl });
    const ids = await Promise.all(Array.from({ length: 3 }, async () => (await app!.send(message).expect(202)).body.id as string));
    await Promise.all(ids.map((id) => app!.waitForStatus(id, ['sent'])));
    await app.http.get('/v1/emails').expect(503);
    expect((await app.http.get('/health/ready').expect(200)).body.details.history).toMatchObject({ database: 'down', waiting: ids.length });

    await postgres.restart();
    const listed = await pollUntil(
      () => app!.http.get('/v1/emails'),
      (response) => response.status === 200 && response.body.data.length === ids.length,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(listed.body.data.map((email: { id: string }) => email.id).sort()).toEqual([...ids].sort());
    expect(listed.body.data.map((email: { status: string }) => email.status)).toEqual(['sent', 'sent', 'sent']);
  });
});
