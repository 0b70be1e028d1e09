import { randomBytes } from 'node:crypto';
import { newApiKey } from '../support/api-keys';
import { FakeWorld } from '../support/fake-world';
import { ProviderEventSigner, SendGridCall } from '../support/provider-event-signer';
import { TestApp } from '../support/test-app';

const sender = newApiKey('app', 'send');
const admin = newApiKey('ops', 'admin');
const signer = new ProviderEventSigner();
const mailgunSignature = (options?: Parameters<ProviderEventSigner['mailgunSignature']>[0]) => signer.mailgunSignature(options);
const sendGridCall = (events: object[], timestamp?: string) => signer.sendGridCall(events, timestamp);
const DAY = 86_400;

describe('provider event webhooks under attack', () => {
  let world: FakeWorld;
  let app: TestApp;

  beforeAll(async () => {
    ({ world, app } = await FakeWorld.withApp({ API_KEYS: [sender.entry, admin.entry].join(','), ...signer.env }));
  });
  afterAll(async () => {
    await app?.close();
    await world?.stop();
  });

  const message = (to: string) => ({ from: 'shop@example.com', to, subject: 'Hi', text: 'Hello' });
  const send = (to: string) => app.http.post('/v1/emails').set('Authorization', sender.bearer).send(message(to));
  const deliver = async (to: string) => {
    const { body } = await send(to).expect(202);
    await app.waitForStatus(body.id, ['sent'], sender.bearer);
    return body.id as string;
  };
  const timeline = async (id: string) =>
    (await app.http.get(`/v1/emails/${id}/events`).set('Authorization', sender.bearer).expect(200)).body.map(
      (event: { type: string }) => event.type,
    );
  const suppressed = async () =>
    (await app.http.get('/v1/suppressions').set('Authorization', admin.bearer).expect(200)).body.map(
      (entry: { email: string }) => entry.email,
    );
  const unsuppress = (email: string) => app.http.delete(`/v1/suppressions/${email}`).set('Authorization', admin.bearer).expect(204);

  const postMailgun = (signature: unknown, eventData: object) =>
    app.http.post('/v1/inbound/mailgun').send({ signature, 'event-data': eventData });
  const complaint = (recipient: string, id?: string) => ({
    event: 'complained',
    recipient,
    ...(id ? { 'user-variables': { 'mailroute-id': id } } : {}),
  });

  const postSendGrid = ({ body, timestamp, signature }: SendGridCall) =>
    app.http
      .post('/v1/inbound/sendgrid')
      .set('content-type', 'application/json')
      .set('X-Twilio-Email-Event-Webhook-Signature', signature)
      .set('X-Twilio-Email-Event-Webhook-Timestamp', timestamp)
      .send(body);
  const bounce = (email: string, id?: string) => ({
    email,
    event: 'bounce',
    type: 'bounce',
    reason: '550 5.1.1 no such user',
    sg_event_id: randomBytes(16).toString('base64url'),
    ...(id ? { mailroute_id: id } : {}),
  });

  describe('forged Mailgun events (finding 4)', () => {
    it('refuses a day-old captured signature with a character of the token moved into the timestamp', async () => {
      const id = await deliver('victim@example.com');
      const captured = mailgunSignature({ age: DAY, token: `a${randomBytes(24).toString('hex')}` });
      // timestamp + token, the signed string, is unchanged; the timestamp is no longer a number.
      const forged = { ...captured, timestamp: captured.timestamp + captured.token[0], token: captured.token.slice(1) };

      const refused = await postMailgun(forged, complaint('victim@example.com', id)).expect(400);
      expect(refused.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: [expect.stringMatching(/^signature\.timestamp /)],
      });
      // Moving a digit instead keeps the timestamp a number, a far-off one.
      const digitFirst = mailgunSignature({ age: DAY, token: `7${randomBytes(24).toString('hex')}` });
      const shifted = { ...digitFirst, timestamp: digitFirst.timestamp + '7', token: digitFirst.token.slice(1) };
      await postMailgun(shifted, complaint('victim@example.com', id)).expect(403);

      expect(await suppressed()).not.toContain('victim@example.com');
      expect(await timeline(id)).not.toContain('complained');
      await send('victim@example.com').expect(202);
    });

    it('accepts each signed call once: a replayed token is refused with 409 and records nothing', async () => {
      const id = await deliver('replayed@example.com');
      const signature = mailgunSignature();
      await postMailgun(signature, complaint('replayed@example.com', id)).expect(200, { recorded: 1 });
      await unsuppress('replayed@example.com');

      const replay = await postMailgun(signature, complaint('replayed@example.com', id)).expect(409);
      expect(replay.body).toEqual({ statusCode: 409, error: 'Conflict', message: expect.stringMatching(/already/) });
      // Nor may the same token carry another event.
      await postMailgun(signature, complaint('other@example.com')).expect(409);

      expect(await suppressed()).not.toContain('replayed@example.com');
      expect(await suppressed()).not.toContain('other@example.com');
      expect((await timeline(id)).filter((type: string) => type === 'complained')).toHaveLength(1);
    });

    it('remembers used tokens in Redis only as long as a signature stays fresh', async () => {
      const signature = mailgunSignature();
      await postMailgun(signature, complaint('remembered@example.com')).expect(200, { recorded: 1 });
      const redis = world.redis.client();
      try {
        const keys = (await redis.keys('*')).filter((key) => key.includes(signature.token));
        expect(keys).toHaveLength(1);
        const ttl = await redis.ttl(keys[0]);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(600);
      } finally {
        redis.disconnect();
      }
    });

    it.each([
      ['a numeric signature', { ...mailgunSignature(), signature: 12345 }, /^signature\.signature /],
      ['a token that is not a string', { ...mailgunSignature(), token: { a: 1 } }, /^signature\.token /],
      ['no signature at all', undefined, /^signature /],
    ])('answers 400 naming the field for %s', async (_case, signature, field) => {
      const refused = await postMailgun(signature, complaint('malformed@example.com')).expect(400);
      expect(refused.body).toEqual({ statusCode: 400, error: 'Bad Request', message: [expect.stringMatching(field)] });
      expect(await suppressed()).not.toContain('malformed@example.com');
    });

    it('refuses a 5 MB recipient with 400, stores nothing and does not echo it', async () => {
      const before = await suppressed();
      const huge = `${'x'.repeat(5 * 1024 * 1024)}@example.com`;
      const refused = await postMailgun(mailgunSignature(), complaint(huge)).expect(400);
      expect(refused.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: [expect.stringMatching(/^event-data\.recipient /)],
      });
      expect(JSON.stringify(refused.body).length).toBeLessThan(1000);
      expect(await suppressed()).toEqual(before);
    });

    it('refuses a recipient that is not an address, and an event field of the wrong type', async () => {
      const notAnAddress = await postMailgun(mailgunSignature(), complaint('nobody')).expect(400);
      expect(notAnAddress.body.message).toEqual([expect.stringMatching(/^event-data\.recipient /)]);
      const badId = await postMailgun(mailgunSignature(), {
        ...complaint('typed@example.com'),
        'user-variables': { 'mailroute-id': { $gt: '' } },
      }).expect(400);
      expect(badId.body.message).toEqual([expect.stringMatching(/^event-data\.user-variables\.mailroute-id /)]);
      expect(await suppressed()).not.toContain('typed@example.com');
    });

    it('keeps a long bounce reason, cut to a bounded length', async () => {
      const id = await deliver('verbose@example.com');
      const description = `550 5.1.1 ${'no such user '.repeat(10_000)}`;
      await postMailgun(mailgunSignature(), {
        event: 'failed',
        severity: 'permanent',
        recipient: 'verbose@example.com',
        'delivery-status': { description },
        'user-variables': { 'mailroute-id': id },
      }).expect(200, { recorded: 1 });
      const entry = (await app.http.get('/v1/suppressions').set('Authorization', admin.bearer).expect(200)).body.find(
        (suppression: { email: string }) => suppression.email === 'verbose@example.com',
      );
      expect(entry.detail.startsWith('550 5.1.1 no such user')).toBe(true);
      expect(entry.detail.length).toBeLessThanOrEqual(1000);
    });
  });

  describe('old SendGrid events accepted forever (finding 6)', () => {
    it('refuses a batch signed with a 2020 timestamp, however often it comes', async () => {
      const old = sendGridCall([bounce('old@example.com')], String(Date.UTC(2020, 5, 1) / 1000));
      for (let attempt = 0; attempt < 3; attempt++) await postSendGrid(old).expect(403);
      expect(await suppressed()).not.toContain('old@example.com');
    });

    it('does not put back an address an admin removed when a batch is replayed', async () => {
      const id = await deliver('removed@example.com');
      const call = sendGridCall([bounce('removed@example.com', id)]);
      await postSendGrid(call).expect(200, { recorded: 1 });
      expect(await suppressed()).toContain('removed@example.com');
      await unsuppress('removed@example.com');

      // SendGrid retries whole batches, so a repeat is acknowledged (and so not retried) but not recorded.
      await postSendGrid(call).expect(200, { recorded: 0 });
      await postSendGrid(call).expect(200, { recorded: 0 });
      expect(await suppressed()).not.toContain('removed@example.com');
      expect((await timeline(id)).filter((type: string) => type === 'bounced')).toHaveLength(1);
    });

    it.each([
      ['a 5 MB address', { ...bounce('x@example.com'), email: `${'x'.repeat(5 * 1024 * 1024)}@example.com` }, /^\[1\]\.email /],
      ['an address that is not one', { ...bounce('x@example.com'), email: 'nobody' }, /^\[1\]\.email /],
      ['no sg_event_id', { ...bounce('x@example.com'), sg_event_id: undefined }, /^\[1\]\.sg_event_id /],
      ['a reason that is not a string', { ...bounce('x@example.com'), reason: ['550'] }, /^\[1\]\.reason /],
    ])('refuses a batch with %s in a tracked event with 400 naming it, recording none of it', async (_case, event, field) => {
      const refused = await postSendGrid(sendGridCall([bounce('batchmate@example.com'), event])).expect(400);
      expect(refused.body).toEqual({ statusCode: 400, error: 'Bad Request', message: [expect.stringMatching(field)] });
      expect(JSON.stringify(refused.body).length).toBeLessThan(1000);
      expect(await suppressed()).not.toContain('batchmate@example.com');
    });

    it('records only the events of a batch it has not seen', async () => {
      const seen = bounce('seen@example.com');
      await postSendGrid(sendGridCall([seen])).expect(200, { recorded: 1 });
      await unsuppress('seen@example.com');
      const fresh = bounce('fresh@example.com');
      await postSendGrid(sendGridCall([seen, fresh, fresh])).expect(200, { recorded: 1 });
      const list = await suppressed();
      expect(list).toContain('fresh@example.com');
      expect(list).not.toContain('seen@example.com');
    });

    it('records a batch on SendGrid\'s retry when its first delivery could not be recorded', async () => {
      const redis = world.redis.client();
      try {
        // The suppression list's key holding a string makes every write to the list fail.
        await redis.rename('mailroute:suppressions', 'mailroute:suppressions:aside');
        await redis.set('mailroute:suppressions', 'not a hash');
        const call = sendGridCall([bounce('retried@example.com')]);
        expect((await postSendGrid(call)).status).toBeGreaterThanOrEqual(500);
        await redis.rename('mailroute:suppressions:aside', 'mailroute:suppressions');

        await postSendGrid(call).expect(200, { recorded: 1 });
        expect(await suppressed()).toContain('retried@example.com');
      } finally {
        redis.disconnect();
      }
    });
  });
});
