import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressObject, ParsedMail, simpleParser } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser';
import { EmailAddress, EmailProvider } from '../src/providers/providers.module';
import { MailgunProvider } from '../src/providers/mailgun.provider';
import { OutboxProvider } from '../src/providers/outbox.provider';
import { SendGridProvider } from '../src/providers/sendgrid.provider';
import { SmtpProvider } from '../src/providers/smtp.provider';
import { FakeMailgun } from './support/fake-mailgun.server';
import { FakeSendGrid } from './support/fake-sendgrid.server';
import { FakeSmtpServer } from './support/fake-smtp.server';
import { richEmail } from './support/rich-email';

/** What arrived at a provider, read back from its own wire format into one shape to compare. */
interface Delivered {
  from: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: string[];
  replyTo: EmailAddress;
  subject: string;
  text: string;
  html: string;
  campaignHeader: string;
  tags?: string[];
  metadata?: Record<string, string>;
  /** Each part as `name type hex-of-bytes`, named by its Content-ID when inline, sorted. */
  attachments: string[];
}

const part = (name: string, type: string, bytes: Buffer) => `${name} ${type} ${bytes.toString('hex')}`;
const expectedParts = richEmail.attachments
  .map(({ filename, contentType, content, contentId }) => part(contentId ?? filename, contentType, content))
  .sort();

interface Target {
  provider: EmailProvider;
  delivered(): Promise<Delivered>;
  close(): Promise<void>;
}

const timings = { sendTimeoutMs: 2000, checkIntervalMs: 60_000 };
const address = ({ email, name }: EmailAddress) => (name ? { email, name } : { email });
const fromString = (value: string) => {
  const [{ address: email, name }] = addressparser(value, { flatten: true });
  return address({ email, name });
};
const fromParsed = (value: AddressObject | AddressObject[] | undefined) =>
  [value ?? []].flat().flatMap((group) => group.value.map((a) => address({ email: a.address ?? '', name: a.name })));

const targets: Record<string, () => Promise<Target>> = {
  async sendgrid() {
    const fake = await FakeSendGrid.start();
    return {
      provider: new SendGridProvider({ apiKey: fake.apiKey, apiUrl: fake.url }, timings),
      close: () => fake.close(),
      async delivered() {
        const { body } = fake.received[0];
        const [personalization] = body.personalizations;
        const content = (type: string) => body.content.find((c: { type: string }) => c.type === type).value;
        return {
          from: body.from,
          to: personalization.to,
          cc: personalization.cc,
          bcc: personalization.bcc.map((a: EmailAddress) => a.email),
          replyTo: body.reply_to,
          subject: body.subject,
          text: content('text/plain'),
          html: content('text/html'),
          campaignHeader: personalization.headers['X-Campaign'],
          tags: body.categories,
          metadata: body.custom_args,
          attachments: body.attachments
            .map((a: { content_id?: string; filename: string; type: string; content: string }) =>
              part(a.content_id ?? a.filename, a.type, Buffer.from(a.content, 'base64')),
            )
            .sort(),
        };
      },
    };
  },
  async mailgun() {
    const fake = await FakeMailgun.start();
    return {
      provider: new MailgunProvider({ apiKey: fake.apiKey, apiUrl: fake.url, domain: fake.domain }, timings),
      close: () => fake.close(),
      async delivered() {
        const { fields, files } = fake.received[0];
        const variables = Object.entries(fields)
          .filter(([key]) => key.startsWith('v:'))
          .map(([key, [value]]) => [key.slice(2), value]);
        return {
          from: fromString(fields.from[0]),
          to: fields.to.map(fromString),
          cc: fields.cc.map(fromString),
          bcc: fields.bcc.map((value) => fromString(value).email),
          replyTo: fromString(fields['h:Reply-To'][0]),
          subject: fields.subject[0],
          text: fields.text[0],
          html: fields.html[0],
          campaignHeader: fields['h:X-Campaign'][0],
          tags: fields['o:tag'],
          metadata: Object.fromEntries(variables),
          attachments: [...files.attachment, ...files.inline].map((f) => part(f.filename, f.contentType, f.data)).sort(),
        };
      },
    };
  },
  async smtp() {
    const server = await FakeSmtpServer.start();
    const provider = new SmtpProvider({ url: server.url, poolSize: 1 }, timings);
    return {
      provider,
      close: async () => {
        provider.onApplicationShutdown();
        await server.close();
      },
      async delivered() {
        const { raw, envelope } = server.received[0];
        const parsed = await simpleParser(raw, { skipImageLinks: true });
        const visible = [...fromParsed(parsed.to), ...fromParsed(parsed.cc)].map((a) => a.email);
        return { ...fromMime(parsed), bcc: envelope.rcptTo.filter((rcpt) => !visible.includes(rcpt)) };
      },
    };
  },
  async outbox() {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-outbox-'));
    return {
      provider: new OutboxProvider(dir),
      close: async () => rmSync(dir, { recursive: true, force: true }),
      async delivered() {
        const parsed = await simpleParser(readFileSync(join(dir, readdirSync(dir)[0])), { skipImageLinks: true });
        return { ...fromMime(parsed), bcc: fromParsed(parsed.bcc).map((a) => a.email) };
      },
    };
  },
};

function fromMime(parsed: ParsedMail): Omit<Delivered, 'bcc'> {
  return {
    from: fromParsed(parsed.from)[0],
    to: fromParsed(parsed.to),
    cc: fromParsed(parsed.cc),
    replyTo: fromParsed(parsed.replyTo)[0],
    subject: parsed.subject ?? '',
    text: (parsed.text ?? '').trim(),
    html: (parsed.html || '').trim(),
    campaignHeader: parsed.headers.get('x-campaign') as string,
    attachments: parsed.attachments
      .map((a) => part(a.contentDisposition === 'inline' && a.cid ? a.cid : (a.filename ?? ''), a.contentType, a.content))
      .sort(),
  };
}

describe.each(Object.keys(targets))('every field of a rich message reaches %s', (name) => {
  let target: Target;

  beforeAll(async () => {
    target = await targets[name]();
    await target.provider.send(richEmail);
  });
  afterAll(() => target.close());

  it('with names, UTF-8 subject, both bodies and custom headers intact', async () => {
    const delivered = await target.delivered();
    expect(delivered).toMatchObject({
      from: richEmail.from,
      to: richEmail.to,
      cc: richEmail.cc,
      bcc: richEmail.bcc.map((a) => a.email),
      replyTo: richEmail.replyTo,
      subject: richEmail.subject,
      text: richEmail.text,
      html: richEmail.html,
      campaignHeader: 'autumn-sale',
      attachments: expectedParts,
    });
  });

  it('with tags and metadata where the provider has a place for them', async () => {
    const { tags, metadata } = await target.delivered();
    if (name === 'smtp' || name === 'outbox') {
      expect({ tags, metadata }).toEqual({ tags: undefined, metadata: undefined });
      return;
    }
    expect(tags).toEqual(richEmail.tags);
    expect(metadata).toEqual({ ...richEmail.metadata, [name === 'sendgrid' ? 'mailroute_id' : 'mailroute-id']: richEmail.id });
  });
});
