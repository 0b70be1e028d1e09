import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { OutgoingEmail } from './email-message';
import { OutboxProvider } from './outbox.provider';
import { TransientProviderError } from './provider.errors';

const email: OutgoingEmail = {
  id: '6c8e3b0a-1f2d-4e5f-8a9b-0c1d2e3f4a5b',
  from: { email: 'app@example.com', name: 'Ä Shop' },
  to: [{ email: 'ann@example.com', name: 'Ann Müller' }, { email: 'bob@example.com' }],
  cc: [{ email: 'carol@example.com' }],
  bcc: [{ email: 'audit@example.com' }],
  replyTo: { email: 'support@example.com', name: 'Support' },
  subject: 'Grüße 📦',
  text: 'Hello, plain.',
  html: '<p>Hello, <b>html</b>.</p>',
  headers: { 'X-Campaign': 'autumn' },
  tags: [],
  metadata: {},
  attachments: [],
};

describe('OutboxProvider', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-spec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one RFC 5322 .eml that parses back to the same fields', async () => {
    const outbox = new OutboxProvider(join(dir, 'nested'));
    const { providerMessageId } = await outbox.send(email);

    const files = readdirSync(join(dir, 'nested'));
    expect(files).toEqual([expect.stringMatching(new RegExp(`-${email.id}\\.eml$`))]);
    const raw = readFileSync(join(dir, 'nested', files[0]));
    const parsed = await simpleParser(raw);

    expect(parsed.messageId).toBe(providerMessageId);
    expect(parsed.from?.value).toEqual([{ address: 'app@example.com', name: 'Ä Shop' }]);
    expect(parsed.to).toMatchObject({
      value: [
        { address: 'ann@example.com', name: 'Ann Müller' },
        { address: 'bob@example.com', name: '' },
      ],
    });
    expect(parsed.cc).toMatchObject({ value: [{ address: 'carol@example.com' }] });
    expect(parsed.replyTo?.value).toEqual([{ address: 'support@example.com', name: 'Support' }]);
    expect(parsed.subject).toBe('Grüße 📦');
    expect(parsed.text?.trim()).toBe('Hello, plain.');
    expect(parsed.html).toContain('<b>html</b>');
    expect(parsed.headers.get('x-campaign')).toBe('autumn');
    expect(parsed.headers.get('x-mailroute-id')).toBe(email.id);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    // The outbox file is the sender's copy, like a Sent folder, so it keeps the Bcc recipients.
    expect(parsed.bcc).toMatchObject({ value: [{ address: 'audit@example.com' }] });
  });

  it('reports a directory it cannot write as a transient failure, and as down', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const outbox = new OutboxProvider(join(file, 'outbox'));

    await expect(outbox.send(email)).rejects.toBeInstanceOf(TransientProviderError);
    expect(await outbox.check()).toEqual({ status: 'down', error: expect.stringContaining('ENOTDIR') });
  });

  it('is up when the directory is writable', async () => {
    expect(await new OutboxProvider(dir).check()).toEqual({ status: 'up' });
  });
});
