import { newApiKey } from './support/api-keys';
import { pollUntil } from './support/poll';
import { useTestApp } from './support/test-app';

const message = { from: 'shop@example.com', subject: 'Hi', text: 'Hello' };
/** The shop sends and cancels, the operator lists: two clients, each within the default rate limit. */
const shop = newApiKey('shop', 'send');
const operator = newApiKey('operator', 'admin');

describe('GET /v1/emails', () => {
  const running = useTestApp({ env: { API_KEYS: [shop.entry, operator.entry].join(',') } });
  const sentIds: string[] = [];

  const send = async (body: object) =>
    (await running.app.http.post('/v1/emails').set('Authorization', shop.bearer).send(body).expect(202)).body.id as string;
  const list = async (query: Record<string, string | number>) =>
    (await running.app.http.get('/v1/emails').set('Authorization', operator.bearer).query(query).expect(200)).body as {
      data: { id: string; status: string; createdAt: string; tags: string[] }[];
      nextCursor: string | null;
    };
  /**
   * Every page's ids in order. Messages created in the same millisecond have no order of their own, so
   * the check is: newest first by createdAt, each message once; the caller compares the set.
   */
  const allPages = async (query: Record<string, string | number>, between?: (page: number) => Promise<void>) => {
    const listed: { id: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    for (let page = 0; page === 0 || cursor; page += 1) {
      const body = await list({ ...query, ...(cursor ? { cursor } : {}) });
      listed.push(...body.data);
      cursor = body.nextCursor;
      await between?.(page);
    }
    const times = listed.map((email) => Date.parse(email.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const ids = listed.map((email) => email.id);
    expect(new Set(ids).size).toBe(ids.length);
    return new Set(ids);
  };

  beforeAll(async () => {
    for (let i = 0; i < 25; i += 1) {
      const body = { ...message, to: i % 5 === 0 ? 'vip@example.com' : `user${i}@example.com`, tags: [i % 2 ? 'odd' : 'even'] };
      sentIds.push(await send(body));
    }
    await pollUntil(() => list({ status: 'sent', limit: 100 }), ({ data }) => data.length === sentIds.length);
  });

  it('pages through every message, newest first, each exactly once', async () => {
    const first = await list({ limit: 10 });
    expect(first.data).toHaveLength(10);
    expect(first.nextCursor).toEqual(expect.any(String));
    const times = first.data.map((email) => Date.parse(email.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    expect(await allPages({ limit: 10 })).toEqual(new Set(sentIds));
  });

  it('filters by tag, recipient, status and time, combined', async () => {
    expect(await allPages({ tag: 'even', limit: 4 })).toEqual(new Set(sentIds.filter((_, i) => i % 2 === 0)));
    expect(await allPages({ to: 'VIP@example.com' })).toEqual(new Set(sentIds.filter((_, i) => i % 5 === 0)));
    expect(await allPages({ to: 'vip@example.com', tag: 'odd' })).toEqual(new Set([sentIds[5], sentIds[15]]));
    expect(await allPages({ status: 'sent', limit: 100 })).toEqual(new Set(sentIds));
    expect((await list({ status: 'queued' })).data).toEqual([]);
    expect((await list({ until: '2000-01-01T00:00:00Z' })).data).toEqual([]);
    expect(await allPages({ since: '2000-01-01T00:00:00Z', limit: 100 })).toEqual(new Set(sentIds));
  });

  it('stays consistent while statuses change between pages', async () => {
    const sendAt = new Date(Date.now() + 60_000).toISOString();
    const scheduled: string[] = [];
    for (let i = 0; i < 12; i += 1) scheduled.push(await send({ ...message, to: 'later@example.com', sendAt }));
    // The listing reads the history, which learns of new messages a moment later.
    await pollUntil(() => allPages({ status: 'scheduled', limit: 100 }), (listed) => listed.size === scheduled.length);

    // After the first page, cancel one message it listed and two further down.
    let cancelled: string[] = [];
    const seen = await allPages({ status: 'scheduled', limit: 4 }, async (page) => {
      if (page > 0) return;
      const firstPage = (await list({ status: 'scheduled', limit: 4 })).data.map((email) => email.id);
      const later = scheduled.filter((id) => !firstPage.includes(id));
      cancelled = [firstPage[1], later[2], later[6]];
      for (const id of cancelled) await running.app.http.post(`/v1/emails/${id}/cancel`).set('Authorization', shop.bearer).expect(200);
    });

    expect(seen).toEqual(new Set(scheduled.filter((id) => id === cancelled[0] || !cancelled.includes(id))));
    const listedCancelled = await pollUntil(() => allPages({ status: 'cancelled' }), (listed) => listed.size === cancelled.length);
    expect(listedCancelled).toEqual(new Set(cancelled));
  });

  it('refuses bad filters and cursors with 400', async () => {
    for (const query of [{ limit: 0 }, { limit: 101 }, { status: 'lost' }, { cursor: 'bm9wZQ' }, { since: 'yesterday' }, { to: 'x' }]) {
      const response = await running.app.http.get('/v1/emails').set('Authorization', operator.bearer).query(query).expect(400);
      expect(response.body.statusCode).toBe(400);
    }
  });
});
