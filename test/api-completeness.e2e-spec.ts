import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { LOCAL_OPERATOR } from '../src/auth/principal';
import { IdempotencyStore } from '../src/mail/intake/idempotency.store';
import { MAIL_QUEUE } from '../src/mail/messages/messages.module';
import { pollUntil } from './support/poll';
import { useTestApp } from './support/test-app';

const message = { from: 'shop@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };

describe('Idempotency-Key', () => {
  const running = useTestApp();
  const post = (key: string, body: object = message) =>
    running.app.http.post('/v1/emails').set('Idempotency-Key', key).send(body);
  const outboxFiles = () => readdirSync(running.app.outboxDir).filter((name) => name.endsWith('.eml'));

  it('answers a repeat with the original id and sends once', async () => {
    const first = await post('order-1').expect(202);
    const again = await post('order-1', { text: 'Hello', subject: 'Hi', to: 'ann@example.com', from: 'shop@example.com' }).expect(202);
    expect(again.body).toEqual({ id: first.body.id, status: expect.any(String) });
    await running.app.waitForStatus(first.body.id, ['sent']);
    expect(outboxFiles().filter((name) => name.includes(first.body.id))).toHaveLength(1);
  });

  it('refuses the same key with a different body with 409', async () => {
    await post('order-2').expect(202);
    const conflict = await post('order-2', { ...message, subject: 'Different' }).expect(409);
    expect(conflict.body).toMatchObject({ statusCode: 409, message: 'This Idempotency-Key was already used with a different request body.' });
  });

  it('turns 20 concurrent duplicates into exactly one message and one send', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('order-3', { ...message, subject: 'Once' })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(202));
    const ids = new Set(answers.map((answer) => answer.body.id));
    expect(ids.size).toBe(1);
    await running.app.waitForStatus([...ids][0], ['sent']);
    const sentOnce = outboxFiles().filter((name) =>
      readFileSync(join(running.app.outboxDir, name), 'utf8').includes('Subject: Once'),
    );
    expect(sentOnce).toEqual([expect.stringContaining([...ids][0])]);
  });

  it('writes the messages under the claimed ids when the first request claimed the key but its write never landed', async () => {
    // As a first request leaves it when Redis dropped its write after the claim: a 503 whose outcome
    // it could not know, so the key stays claimed.
    const lostId = randomUUID();
    const claim = await running.app.app
      .get(IdempotencyStore, { strict: false })
      .claim(LOCAL_OPERATOR.name, 'order-4', message, [lostId]);
    expect(claim).toEqual({ first: true });

    const retry = await post('order-4').expect(202);
    expect(retry.body.id).toBe(lostId);
    await running.app.waitForStatus(lostId, ['sent']);
    const again = await post('order-4').expect(202);
    expect(again.body).toEqual({ id: lostId, status: 'sent' });
    expect(outboxFiles().filter((name) => name.includes(lostId))).toHaveLength(1);
  });

  it('refuses a malformed key', async () => {
    await post('has spaces in it').expect(400);
  });
});

describe('POST /v1/emails/batch', () => {
  const running = useTestApp();

  it('accepts the valid items, lists the field errors of the others, and sends the valid ones', async () => {
    const items = [
      message,
      { ...message, to: 'not-an-address' },
      { ...message, subject: 'Second' },
      'not an object',
      { ...message, unknown: 1 },
    ];
    const { body } = await running.app.http.post('/v1/emails/batch').send(items).expect(202);
    expect(body).toEqual([
      { index: 0, id: expect.any(String), status: 'queued' },
      { index: 1, errors: ['to has an invalid email address "not-an-address"'] },
      { index: 2, id: expect.any(String), status: 'queued' },
      { index: 3, errors: ['must be a message object'] },
      { index: 4, errors: ['property unknown should not exist'] },
    ]);
    for (const { id } of [body[0], body[2]]) expect((await running.app.waitForStatus(id, ['sent', 'failed'])).status).toBe('sent');
  });

  it('answers 400 naming each item when none is valid, and for bodies that are not 1-500 messages', async () => {
    const none = await running.app.http.post('/v1/emails/batch').send([{ ...message, to: 'x' }]).expect(400);
    expect(none.body.message).toEqual(['[0] to has an invalid email address "x"']);
    await running.app.http.post('/v1/emails/batch').send([]).expect(400);
    await running.app.http.post('/v1/emails/batch').send(Array(501).fill(message)).expect(400);
    await running.app.http.post('/v1/emails/batch').send(message).expect(400);
  });

  it('takes 500 messages in one request', async () => {
    const { body } = await running.app.http.post('/v1/emails/batch').send(Array(500).fill(message)).expect(202);
    expect(new Set(body.map((item: { id: string }) => item.id)).size).toBe(500);
  });
});

describe('scheduling, cancelling and the event timeline', () => {
  const running = useTestApp();
  const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
  const events = async (id: string) => (await running.app.http.get(`/v1/emails/${id}/events`).expect(200)).body;

  it('keeps a scheduled message until its time, then sends it', async () => {
    const sendAt = inSeconds(1);
    const { body } = await running.app.send({ ...message, sendAt }).expect(202);
    expect(body.status).toBe('scheduled');
    const scheduled = await running.app.http.get(`/v1/emails/${body.id}`).expect(200);
    expect(scheduled.body).toMatchObject({ status: 'scheduled', sendAt });

    const sent = await running.app.waitForStatus(body.id, ['sent', 'failed']);
    expect(sent.status).toBe('sent');
    expect(Date.parse(sent.attempts[0].startedAt)).toBeGreaterThanOrEqual(Date.parse(sendAt));
    expect((await events(body.id)).map((event: { type: string }) => event.type)).toEqual(['scheduled', 'sending', 'sent']);
  });

  it('cancels a scheduled message before its time: it is never sent', async () => {
    const { body } = await running.app.send({ ...message, sendAt: inSeconds(60) }).expect(202);
    const cancelled = await running.app.http.post(`/v1/emails/${body.id}/cancel`).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(await running.app.queue(MAIL_QUEUE).getJob(body.id)).toBeNull();
    await running.app.http.post(`/v1/emails/${body.id}/cancel`).expect(409);
    expect((await events(body.id)).map((event: { type: string }) => event.type)).toEqual(['scheduled', 'cancelled']);
  });

  it('refuses to cancel a message that was sent', async () => {
    const { body } = await running.app.send(message).expect(202);
    await running.app.waitForStatus(body.id, ['sent']);
    const conflict = await running.app.http.post(`/v1/emails/${body.id}/cancel`).expect(409);
    expect(conflict.body.message).toBe('The email is sent and can no longer be cancelled.');
    await running.app.http.post('/v1/emails/0b8a3c51-9b5e-4c43-8f4e-3f9a9d0c1e2a/cancel').expect(404);
  });

  it('validates sendAt', async () => {
    const tooFar = await running.app.send({ ...message, sendAt: inSeconds(31 * 86_400) }).expect(400);
    expect(tooFar.body.message).toEqual(['sendAt must be at most 30 days from now']);
    const notADate = await running.app.send({ ...message, sendAt: 'tomorrow' }).expect(400);
    expect(notADate.body.message[0]).toMatch(/^sendAt must be an ISO 8601 date and time/);
  });

  it('shows a scheduled message\'s due time in its timeline', async () => {
    const { body } = await running.app.send({ ...message, sendAt: inSeconds(30) }).expect(202);
    const timeline = await pollUntil(() => events(body.id), (list) => list.length >= 1);
    expect(timeline[0]).toEqual({ type: 'scheduled', at: expect.any(String), detail: expect.stringMatching(/^due at /) });
  });
});

describe('attachments', () => {
  const running = useTestApp({ env: { MAIL_ATTACHMENTS_MAX_BYTES: String(64 * 1024) } });
  const pdf = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

  it('arrive intact, inline ones with their Content-ID; GET shows them without their bytes', async () => {
    const attachments = [
      { filename: 'invoice.pdf', content: pdf.toString('base64') },
      { filename: 'logo.png', content: png.toString('base64'), contentId: 'logo' },
    ];
    const { body } = await running.app.send({ ...message, html: '<img src="cid:logo">', attachments }).expect(202);
    const sent = await running.app.waitForStatus(body.id, ['sent', 'failed']);
    expect(sent.attachments).toEqual([
      { filename: 'invoice.pdf', contentType: 'application/pdf', size: 256 },
      { filename: 'logo.png', contentType: 'image/png', size: png.length, contentId: 'logo' },
    ]);

    const file = readdirSync(running.app.outboxDir).find((name) => name.includes(body.id))!;
    const parsed = await simpleParser(readFileSync(join(running.app.outboxDir, file)), { skipImageLinks: true });
    const parts = parsed.attachments.map((a) => [a.filename, a.contentType, a.content.equals(a.filename === 'logo.png' ? png : pdf), a.cid]);
    expect(parts.sort()).toEqual([
      ['invoice.pdf', 'application/pdf', true, undefined],
      ['logo.png', 'image/png', true, 'logo'],
    ]);
  });

  it('are limited in total size once decoded, with 413', async () => {
    const big = Buffer.alloc(40 * 1024).toString('base64');
    const response = await running.app
      .send({ ...message, attachments: [{ filename: 'a.bin', content: big }, { filename: 'b.bin', content: big }] })
      .expect(413);
    expect(response.body.message).toEqual([`attachments total ${80 * 1024} bytes once decoded, over the limit of ${64 * 1024}`]);
  });

  it('are validated field by field, by path, alone and in a batch', async () => {
    const bad = [{ filename: 'a/b.txt', content: 'not base64!' }];
    const single = await running.app.send({ ...message, attachments: bad }).expect(400);
    expect(single.body.message).toEqual([
      'attachments.0.filename must not contain line breaks, slashes or control characters',
      'attachments.0.content must be base64',
    ]);
    const batch = await running.app.http.post('/v1/emails/batch').send([message, { ...message, attachments: bad }]).expect(202);
    expect(batch.body[1].errors).toEqual(single.body.message);
  });
});
