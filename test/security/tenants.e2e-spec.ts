import { randomUUID } from 'node:crypto';
import { newApiKey } from '../support/api-keys';
import { useTestApp } from '../support/test-app';

const alice = newApiKey('alice', 'send');
const bob = newApiKey('bob', 'send');
const admin = newApiKey('ops', 'admin');
const victim = 'victim@corp.example';
const later = () => new Date(Date.now() + 3_600_000).toISOString();
const message = (text: string) => ({ from: 'app@example.com', to: victim, subject: 'Statement', text, tags: ['statement'], metadata: { account: 'A-1' } });

describe('finding 2: a send key sees and acts on its own messages only', () => {
  const running = useTestApp({ env: { API_KEYS: [alice.entry, bob.entry, admin.entry].join(',') } });
  let alicesId: string;
  let bobsId: string;

  const as = (key: { bearer: string }) => ({
    get: (path: string, query: Record<string, string> = {}) => running.app.http.get(path).query(query).set('Authorization', key.bearer),
    post: (path: string) => running.app.http.post(path).set('Authorization', key.bearer),
  });
  const listedIds = async (key: { bearer: string }, query: Record<string, string> = {}) =>
    ((await as(key).get('/v1/emails', query).expect(200)).body.data as { id: string }[]).map(({ id }) => id);

  beforeAll(async () => {
    alicesId = (await as(alice).post('/v1/emails').send({ ...message('for alice'), sendAt: later() }).expect(202)).body.id;
    bobsId = (await as(bob).post('/v1/emails').send({ ...message('for bob'), sendAt: later() }).expect(202)).body.id;
  });

  it("answers another key's message with the same 404 as a message that does not exist", async () => {
    const unknown = randomUUID();
    const missing = await as(bob).get(`/v1/emails/${unknown}`).expect(404);
    const foreign = await as(bob).get(`/v1/emails/${alicesId}`).expect(404);
    expect(foreign.body).toEqual({ ...missing.body, message: missing.body.message.replace(unknown, alicesId) });
    await as(bob).get(`/v1/emails/${alicesId}/events`).expect(404);
  });

  it("cannot cancel another key's message, read its bodies or send it again", async () => {
    await as(bob).post(`/v1/emails/${alicesId}/cancel`).expect(404);
    await as(bob).get(`/v1/emails/${alicesId}/content`).expect(404);
    await as(bob).post(`/v1/emails/${alicesId}/resend`).expect(404);
    expect((await as(alice).get(`/v1/emails/${alicesId}`).expect(200)).body.status).toBe('scheduled');
  });

  it("lists its own messages only, whatever the filter", async () => {
    const queries: Record<string, string>[] = [{}, { to: victim }, { tag: 'statement' }, { status: 'scheduled' }];
    for (const query of queries) {
      expect(await listedIds(bob, query)).toEqual([bobsId]);
      expect(await listedIds(alice, query)).toEqual([alicesId]);
    }
  });

  it('lets the owner and an admin key read, list and cancel', async () => {
    await as(alice).get(`/v1/emails/${alicesId}/events`).expect(200);
    expect(await listedIds(admin, { to: victim })).toEqual([bobsId, alicesId]);
    await as(admin).get(`/v1/emails/${bobsId}`).expect(200);
    expect((await as(admin).post(`/v1/emails/${bobsId}/cancel`).expect(200)).body.status).toBe('cancelled');
    expect((await as(alice).post(`/v1/emails/${alicesId}/cancel`).expect(200)).body.status).toBe('cancelled');
  });

  it("filters by owner in the index it reads: another key's thousand newer messages do not hide one's own", async () => {
    const own = (await as(bob).post('/v1/emails').send({ ...message('older'), tags: ['crowd'], sendAt: later() }).expect(202)).body.id;
    const crowd = Array.from({ length: 500 }, (_, i) => ({ ...message(`crowd ${i}`), tags: ['crowd'], sendAt: later() }));
    for (let round = 0; round < 3; round += 1) await as(alice).post('/v1/emails/batch').send(crowd).expect(202);
    const page = await as(bob).get('/v1/emails', { tag: 'crowd', limit: '10' }).expect(200);
    expect(page.body).toEqual({ data: [expect.objectContaining({ id: own })], nextCursor: null });
  });

  // Last: the copies are messages of alice's and the admin's, which the listings above do not expect.
  it("sends a copy as the key that asks: the owner's is the owner's, an admin's the admin's", async () => {
    const ownCopy = (await as(alice).post(`/v1/emails/${alicesId}/resend`).expect(202)).body.id;
    const adminsCopy = (await as(admin).post(`/v1/emails/${alicesId}/resend`).expect(202)).body.id;
    expect((await as(alice).get(`/v1/emails/${ownCopy}`).expect(200)).body).toMatchObject({ resentFrom: alicesId, subject: 'Statement' });
    await as(alice).get(`/v1/emails/${adminsCopy}`).expect(404);
    expect((await as(admin).get(`/v1/emails/${adminsCopy}`).expect(200)).body.resentFrom).toBe(alicesId);
  });
});
