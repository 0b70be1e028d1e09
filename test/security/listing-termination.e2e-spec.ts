import { pollUntil } from '../support/poll';
import { useTestApp } from '../support/test-app';

type Listed = { id: string; createdAt: string; status: string };
const later = () => new Date(Date.now() + 3_600_000).toISOString();
const item = (i: number, tag: string) => ({ from: 'app@example.com', to: `user${i}@example.com`, subject: 'Hi', text: 'Hello', tags: [tag], sendAt: later() });

/** A request that loops forever would hold the test until its own deadline; this one fails first. */
const REQUEST_DEADLINE_MS = 10_000;

describe('finding 3: listing pages in a total order, past groups of one creation time', () => {
  const running = useTestApp();
  const batchIds = new Set<string>();

  const list = async (query: Record<string, string | number>) =>
    (await running.app.http.get('/v1/emails').query(query).timeout(REQUEST_DEADLINE_MS).expect(200)).body as {
      data: Listed[];
      nextCursor: string | null;
    };

  const everyPage = async (query: Record<string, string | number>) => {
    const pages: Listed[][] = [];
    let cursor: string | null = null;
    do {
      const body = await list({ ...query, ...(cursor ? { cursor } : {}) });
      pages.push(body.data);
      cursor = body.nextCursor;
      expect(pages.length).toBeLessThan(50);
    } while (cursor);
    return pages;
  };

  beforeAll(async () => {
    // One batch: one creation time for all 250, more than one read of the index holds.
    const results = (await running.app.http.post('/v1/emails/batch').send(Array.from({ length: 250 }, (_, i) => item(i, 'big'))).expect(202))
      .body as { id: string }[];
    results.forEach(({ id }) => batchIds.add(id));
    // The listing reads the history, which learns of the batch a moment later.
    const listed = await pollUntil(async () => (await everyPage({ tag: 'big', limit: 100 })).flat(), (all) => all.length === 250);
    expect(new Set(listed.map((email) => email.createdAt)).size).toBe(1);
  });

  it('pages through a same-time group of 250 once each, newest first and then by id', async () => {
    const listed = (await everyPage({ tag: 'big', limit: 100 })).flat();
    expect(listed).toHaveLength(250);
    expect(new Set(listed.map(({ id }) => id))).toEqual(batchIds);
    const order = listed.map(({ createdAt, id }) => `${createdAt} ${id}`);
    expect([...order].sort().reverse()).toEqual(order);
  });

  it('ends a filtered listing that matches nothing in the group (?tag=big&status=failed&limit=1)', async () => {
    const pages = await everyPage({ tag: 'big', status: 'failed', limit: 1 });
    expect(pages.flat()).toEqual([]);
  });

  it('pages one message at a time through the group with limit=1', async () => {
    const first = await list({ tag: 'big', limit: 1 });
    let cursor = first.nextCursor;
    const seen = [first.data[0].id];
    for (let page = 0; page < 5 && cursor; page += 1) {
      const body = await list({ tag: 'big', limit: 1, cursor });
      seen.push(...body.data.map(({ id }) => id));
      cursor = body.nextCursor;
    }
    expect(new Set(seen).size).toBe(6);
  });
});
