import { randomBytes } from 'node:crypto';
import { newApiKey } from './support/api-keys';
import { FakeWorld } from './support/fake-world';
import { ProviderEventSigner } from './support/provider-event-signer';
import { TestApp } from './support/test-app';

const sender = newApiKey('app', 'send');
const admin = newApiKey('ops', 'admin');
const signer = new ProviderEventSigner();

describe('provider event webhooks and the suppression list', () => {
  let world: FakeWorld;
  let app: TestApp;

  beforeAll(async () => {
    ({ world, app } = await FakeWorld.withApp({ API_KEYS: [sender.entry, admin.entry].join(','), ...signer.env }));
  });
  afterAll(async () => {
    await app?.close();
    await world?.stop();
  });

  const send = (body: object, key = sender) => app.http.post('/v1/emails').set('Authorization', key.bearer).send(body);
  const message = (to: string) => ({ from: 'shop@example.com', to, subject: 'Hi', text: 'Hello' });
  const deliver = async (to: string) => {
    const { body } = await send(message(to)).expect(202);
    await app.waitForStatus(body.id, ['sent'], sender.bearer);
    return body.id as string;
  };
  const timeline = async (id: string) =>
    (await app.http.get(`/v1/emails/${id}/events`).set('Authorization', sender.bearer).expect(200)).body.map(
      (event: { type: string }) => event.type,
    );

  /** Posts events the way SendGrid's Signed Event Webhook does, each with its own sg_event_id. */
  const postSendGrid = (events: object[], forge = false) => {
    const { body, timestamp, signature } = signer.sendGridCall(
      events.map((event) => ({ sg_event_id: randomBytes(16).toString('base64url'), ...event })),
    );
    return app.http
      .post('/v1/inbound/sendgrid')
      .set('content-type', 'application/json')
      .set('X-Twilio-Email-Event-Webhook-Signature', signature)
      .set('X-Twilio-Email-Event-Webhook-Timestamp', forge ? String(Number(timestamp) + 1) : timestamp)
      .send(body);
  };
  /** Posts one event the way Mailgun's webhooks do. */
  const postMailgun = (eventData: object, { key = signer.mailgunSigningKey, age = 0 } = {}) =>
    app.http.post('/v1/inbound/mailgun').send({ signature: signer.mailgunSignature({ key, age }), 'event-data': eventData });

  it('adds SendGrid\'s delivered and hard-bounce events to the message, and suppresses the bounced address', async () => {
    const id = await deliver('gone@example.com');
    await postSendGrid([
      { email: 'gone@example.com', event: 'processed', mailroute_id: id },
      { email: 'gone@example.com', event: 'bounce', type: 'bounce', reason: '550 5.1.1 no such user', mailroute_id: id },
    ]).expect(200, { recorded: 1 });
    expect(await timeline(id)).toEqual(['queued', 'sending', 'sent', 'bounced']);

    const list = await app.http.get('/v1/suppressions').set('Authorization', admin.bearer).expect(200);
    expect(list.body).toEqual([
      { email: 'gone@example.com', reason: 'hard_bounce', source: 'sendgrid', detail: '550 5.1.1 no such user', createdAt: expect.any(String) },
    ]);
    await app.http.get('/v1/suppressions').set('Authorization', sender.bearer).expect(403);
  });

  it('refuses to send to a suppressed address, unless an admin key overrides it', async () => {
    const refused = await send({ ...message('ann@example.com'), cc: 'Gone <GONE@example.com>' }).expect(422);
    expect(refused.body.message).toEqual([
      'cc gone@example.com is on the suppression list (hard_bounce reported by sendgrid); an admin key may send with "allowSuppressed": true',
    ]);
    await send({ ...message('gone@example.com'), allowSuppressed: true }).expect(403);
    await send({ ...message('gone@example.com'), allowSuppressed: true }, admin).expect(202);

    // A batch's items are looked up together; each refusal belongs to the item that named the address.
    const batch = await app.http
      .post('/v1/emails/batch')
      .set('Authorization', sender.bearer)
      .send([message('ann@example.com'), { ...message('bob@example.com'), bcc: 'GONE@example.com' }, message('Gone@Example.com')])
      .expect(202);
    expect(batch.body.map(({ index, id, errors }: { index: number; id?: string; errors?: string[] }) => [index, id ? 'id' : errors])).toEqual([
      [0, 'id'],
      [1, [expect.stringMatching(/^bcc gone@example.com is on the suppression list/)]],
      [2, [expect.stringMatching(/^to gone@example.com is on the suppression list/)]],
    ]);

    await app.http.delete('/v1/suppressions/gone@example.com').set('Authorization', admin.bearer).expect(204);
    await app.http.delete('/v1/suppressions/gone@example.com').set('Authorization', admin.bearer).expect(404);
    await send(message('gone@example.com')).expect(202);
  });

  it('records SendGrid delivered events, and refuses forged or unsigned calls', async () => {
    const id = await deliver('ann@example.com');
    await postSendGrid([{ email: 'ann@example.com', event: 'delivered', mailroute_id: id }], true).expect(403);
    await app.http.post('/v1/inbound/sendgrid').send([{ email: 'ann@example.com', event: 'delivered', mailroute_id: id }]).expect(403);
    expect(await timeline(id)).toEqual(['queued', 'sending', 'sent']);
    await postSendGrid([{ email: 'ann@example.com', event: 'delivered', mailroute_id: id }]).expect(200, { recorded: 1 });
    expect(await timeline(id)).toEqual(['queued', 'sending', 'sent', 'delivered']);
  });

  it('takes Mailgun complaints, suppressing the address, and refuses bad or stale signatures', async () => {
    world.sendgrid.answerAlways({ status: 503 });
    const id = await deliver('angry@example.com');
    world.sendgrid.reset();
    const complaint = { event: 'complained', recipient: 'angry@example.com', 'user-variables': { 'mailroute-id': id } };

    await postMailgun(complaint, { key: 'not-the-signing-key' }).expect(403);
    await postMailgun(complaint, { age: 3600 }).expect(403);
    await postMailgun(complaint).expect(200, { recorded: 1 });
    expect(await timeline(id)).toContain('complained');
    const refused = await send(message('angry@example.com')).expect(422);
    expect(refused.body.message[0]).toMatch(/^to angry@example.com is on the suppression list \(complaint reported by mailgun\)/);
  });

  it('finds suppressed addresses by any part, in any case, the newest first, a limit at a time, with how many match', async () => {
    for (const recipient of ['ann.search@shop.example', 'bob.search@shop.example', 'carl@elsewhere.example']) {
      await postMailgun({ event: 'complained', recipient }).expect(200, { recorded: 1 });
    }
    const list = (query: string) => app.http.get(`/v1/suppressions${query}`).set('Authorization', admin.bearer);
    type Entry = { email: string; createdAt: string };

    const found = await list('?search=SEARCH@Shop').expect(200);
    expect(found.body.map(({ email }: Entry) => email).sort()).toEqual(['ann.search@shop.example', 'bob.search@shop.example']);
    const times = found.body.map(({ createdAt }: Entry) => createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(found.headers['x-total-count']).toBe('2');

    const newest = await list('?search=search@shop&limit=1').expect(200);
    expect(newest.body).toEqual([found.body[0]]);
    expect(newest.headers['x-total-count']).toBe('2');
    // Redis' glob characters are searched for as themselves.
    expect((await list('?search=*').expect(200)).body).toEqual([]);
    // Without a limit, the whole list, as before there was one.
    const all = await list('').expect(200);
    expect(all.body.length).toBeGreaterThanOrEqual(3);
    expect(all.headers['x-total-count']).toBe(String(all.body.length));
    expect((await list('?limit=2').expect(200)).body).toEqual(all.body.slice(0, 2));
  });

  it.each(['?limit=0', '?limit=501', '?limit=2.5', '?limit=abc', '?search=', `?search=${'a'.repeat(255)}`])(
    'refuses %s with a 400 naming the field',
    async (query) => {
      const { body } = await app.http.get(`/v1/suppressions${query}`).set('Authorization', admin.bearer).expect(400);
      expect(body.message).toEqual([expect.stringMatching(query.startsWith('?limit') ? /^limit / : /^search /)]);
    },
  );
});
