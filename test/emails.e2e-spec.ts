import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { pollUntil } from './support/poll';
import { useTestApp } from './support/test-app';
import { RedisConnection } from '../src/redis/redis.module';

const message = {
  from: 'Shop <app@example.com>',
  to: ['ann@example.com', { email: 'bob@example.com', name: 'Böb Ünicode' }],
  cc: 'Carol <carol@example.com>',
  bcc: ['audit@example.com'],
  replyTo: { email: 'support@example.com', name: 'Support' },
  subject: 'Your order has shipped 📦',
  text: 'Hello, it is on its way.',
  html: '<p>Hello, it is on its way.</p>',
  headers: { 'X-Campaign': 'autumn' },
  tags: ['order-shipped'],
  metadata: { orderId: '1042' },
};

describe('POST /v1/emails then GET /v1/emails/:id (outbox)', () => {
  const running = useTestApp();

  const storedMessages = async () =>
    (await running.app.app.get(RedisConnection).client.keys('mailroute:email:*'))
      .filter((key) => !key.endsWith(':attempts'))
      .sort();

  it('answers 202 with the id and a Location, and delivers the message as an .eml file', async () => {
    const accepted = await running.app.send(message).expect(202);
    expect(accepted.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'queued' });
    expect(accepted.headers.location).toBe(`/v1/emails/${accepted.body.id}`);

    const sent = await running.app.waitForStatus(accepted.body.id, ['sent', 'failed']);
    expect(sent).toMatchObject({
      id: accepted.body.id,
      status: 'sent',
      provider: 'outbox',
      from: { email: 'app@example.com', name: 'Shop' },
      to: [{ email: 'ann@example.com' }, { email: 'bob@example.com', name: 'Böb Ünicode' }],
      cc: [{ email: 'carol@example.com', name: 'Carol' }],
      bcc: [{ email: 'audit@example.com' }],
      replyTo: { email: 'support@example.com', name: 'Support' },
      subject: message.subject,
      tags: ['order-shipped'],
      metadata: { orderId: '1042' },
    });
    expect(sent.attempts).toEqual([
      {
        provider: 'outbox',
        round: 1,
        startedAt: expect.any(String),
        durationMs: expect.any(Number),
        outcome: 'sent',
        providerMessageId: sent.providerMessageId,
      },
    ]);

    const files = readdirSync(running.app.outboxDir).filter((name) => name.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const parsed = await simpleParser(readFileSync(join(running.app.outboxDir, files[0])));
    expect(parsed.messageId).toBe(sent.providerMessageId);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.text?.trim()).toBe(message.text);
    expect(parsed.headers.get('x-campaign')).toBe('autumn');
  });

  it('sends a sent message again as a new message: the same envelope, headers and bodies, linked to the original', async () => {
    const original = await running.app.waitForStatus((await running.app.send({ ...message, subject: 'Sent twice' }).expect(202)).body.id, ['sent']);
    const again = await running.app.http.post(`/v1/emails/${original.id}/resend`).expect(202);
    expect(again.headers.location).toBe(`/v1/emails/${again.body.id}`);
    expect(again.body.id).not.toBe(original.id);

    const copy = await running.app.waitForStatus(again.body.id, ['sent', 'failed']);
    const envelope = ({ from, to, cc, bcc, replyTo, subject, tags, metadata }: typeof original) => ({ from, to, cc, bcc, replyTo, subject, tags, metadata });
    expect(copy).toMatchObject({ status: 'sent', resentFrom: original.id, ...envelope(original) });
    expect(original.resentFrom).toBeUndefined();
    expect((await running.app.http.get(`/v1/emails/${copy.id}/content`).expect(200)).body).toEqual({ text: message.text, html: message.html });
    // The listing finds a message's copies (from the history, which learns of the copy a moment later).
    await pollUntil(
      () => running.app.http.get('/v1/emails').query({ resentFrom: original.id }),
      ({ body }) => JSON.stringify(body.data?.map(({ id }: { id: string }) => id)) === JSON.stringify([copy.id]),
    );
    await running.app.http.get('/v1/emails').query({ resentFrom: 'not-an-id' }).expect(400, /resentFrom must be a UUID/);
    const file = readdirSync(running.app.outboxDir).find((name) => name.endsWith(`${copy.id}.eml`))!;
    const delivered = await simpleParser(readFileSync(join(running.app.outboxDir, file)));
    expect([delivered.subject, delivered.text?.trim(), delivered.headers.get('x-campaign')]).toEqual(['Sent twice', message.text, 'autumn']);
  });

  it('can be read back at once: a 202 is never followed by a 404', async () => {
    const accepted = await running.app.send({ ...message, tags: [] }).expect(202);
    const immediately = await running.app.http.get(`/v1/emails/${accepted.body.id}`).expect(200);
    expect(['queued', 'sending', 'sent']).toContain(immediately.body.status);
  });

  it.each([
    ['to', { ...message, to: 'not-an-address' }, /^to has an invalid email address/],
    ['to', { ...message, to: [] }, /^to must contain at least one address/],
    ['from', { ...message, from: undefined }, /^from is required/],
    ['subject', { ...message, subject: 'a\r\nBcc: victim@example.com' }, /^subject must not contain CR or LF/],
    ['text/html', { ...message, text: undefined, html: undefined }, /^text or html is required/],
    ['headers', { ...message, headers: { Subject: 'x' } }, /^headers\.Subject cannot be set/],
    ['unknown field', { ...message, priority: 'high' }, /^property priority should not exist/],
  ])('refuses a bad %s with 400 naming the field, and stores nothing', async (_field, body, expected) => {
    const before = await storedMessages();
    const response = await running.app.send(body).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(response.body.message).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    // Earlier messages may leave Redis meanwhile (moved to PostgreSQL); none may appear.
    expect((await storedMessages()).filter((key) => !before.includes(key))).toEqual([]);
  });

  it('delivers a large message exactly as sent, though Redis holds its content deflated meanwhile', async () => {
    const large = {
      ...message,
      html: `<html><body>${'<p style="color:#333">Grüße — 日本語 📦 order 1042</p>\n'.repeat(600)}</body></html>`,
      text: 'Grüße — 日本語 📦 order 1042\n'.repeat(300),
    };
    const scheduled = await running.app.send({ ...large, sendAt: new Date(Date.now() + 3_600_000).toISOString() }).expect(202);
    const held = await running.app.app.get(RedisConnection).client.hget(`mailroute:email:${scheduled.body.id}`, 'email');
    expect(held!.length).toBeLessThan(JSON.stringify(large).length / 4);
    const read = await running.app.http.get(`/v1/emails/${scheduled.body.id}`).expect(200);
    expect(read.body).toMatchObject({ status: 'scheduled', subject: large.subject, metadata: large.metadata });

    const accepted = await running.app.send(large).expect(202);
    const sent = await running.app.waitForStatus(accepted.body.id, ['sent', 'failed']);
    const file = readdirSync(running.app.outboxDir).find((name) => name.endsWith(`-${sent.id}.eml`));
    const parsed = await simpleParser(readFileSync(join(running.app.outboxDir, file!)));
    expect(parsed.html).toBe(large.html);
    expect(parsed.text).toBe(large.text);
  });

  it('answers 413 for a body over the limit', async () => {
    const response = await running.app.send({ ...message, text: 'x'.repeat(16 * 1024 * 1024) }).expect(413);
    expect(response.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'request entity too large' });
  });

  it('answers 400 with the JSON error body for malformed JSON', async () => {
    const response = await running.app.http.post('/v1/emails').set('content-type', 'application/json').send('{"to":').expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('answers 404 for an unknown id and 400 for an id of another format', async () => {
    await running.app.http.get('/v1/emails/0b8a3c51-9b5e-4c43-8f4e-3f9a9d0c1e2a').expect(404);
    const bad = await running.app.http.get('/v1/emails/not-an-id').expect(400);
    expect(bad.body.statusCode).toBe(400);
  });

  it('serves the OpenAPI document with the request schema, examples and error responses', async () => {
    const { body } = await running.app.http.get('/docs-json').expect(200);
    const post = body.paths['/v1/emails'].post;
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['202', '400', '413', '503']));
    const schema = body.components.schemas.SendEmailRequest;
    expect(schema.required).toEqual(expect.arrayContaining(['to', 'subject']));
    expect(schema.properties.subject.example).toBe('Your order has shipped 📦');
    expect(body.paths['/v1/emails/{id}'].get.responses['404']).toBeDefined();
    await running.app.http.get('/docs').expect(200);

    const operations = Object.entries(body.paths as Record<string, Record<string, { responses: object }>>).flatMap(
      ([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(15);
    for (const { path, method, operation } of operations) {
      const codes = Object.keys(operation.responses);
      expect({ path, method, documentsAnError: codes.some((code) => /^[45]/.test(code)) }).toEqual({
        path,
        method,
        documentsAnError: true,
      });
    }
  });
});

describe('MAIL_DEFAULT_FROM', () => {
  const running = useTestApp({ env: { MAIL_DEFAULT_FROM: 'Mailroute <noreply@example.com>' } });

  it('is the sender when the request has no from', async () => {
    const accepted = await running.app.send({ to: 'ann@example.com', subject: 'Hi', text: 'Hello' }).expect(202);
    const sent = await running.app.waitForStatus(accepted.body.id, ['sent', 'failed']);
    expect(sent.from).toEqual({ email: 'noreply@example.com', name: 'Mailroute' });
  });

  it('is the sender when from is null, and null optional fields count as absent', async () => {
    const body = { from: null, to: 'ann@example.com', cc: null, replyTo: null, subject: 'Hi', text: 'Hello', html: null };
    const accepted = await running.app.send(body).expect(202);
    const sent = await running.app.waitForStatus(accepted.body.id, ['sent', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', from: { email: 'noreply@example.com' }, cc: [] });
    expect(sent.replyTo).toBeUndefined();
  });
});
