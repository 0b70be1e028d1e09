import { EmailProvider, PermanentProviderError, TransientProviderError } from '../src/providers/providers.module';
import { MailgunProvider } from '../src/providers/mailgun.provider';
import { SendGridProvider } from '../src/providers/sendgrid.provider';
import { FakeProviderServer } from './support/fake-http-answer';
import { FakeMailgun } from './support/fake-mailgun.server';
import { FakeSendGrid } from './support/fake-sendgrid.server';
import { richEmail } from './support/rich-email';

const timings = { sendTimeoutMs: 500, checkIntervalMs: 60_000 };

type Fake = FakeProviderServer<unknown>;

/** The behaviour both HTTP adapters share, run against each provider's fake through its official SDK. */
const adapters: [string, () => Promise<Fake>, (fake: Fake, apiKey?: string) => EmailProvider][] = [
  [
    'sendgrid',
    () => FakeSendGrid.start(),
    (fake, apiKey = fake.apiKey) => new SendGridProvider({ apiKey, apiUrl: fake.url }, timings),
  ],
  [
    'mailgun',
    () => FakeMailgun.start(),
    (fake, apiKey = fake.apiKey) =>
      new MailgunProvider({ apiKey, apiUrl: fake.url, domain: (fake as FakeMailgun).domain }, timings),
  ],
];

describe.each(adapters)('%s adapter', (name, startFake, adapterFor) => {
  let fake: Fake;
  let adapter: EmailProvider;

  beforeAll(async () => {
    fake = await startFake();
  });
  beforeEach(() => {
    fake.reset();
    adapter = adapterFor(fake);
  });
  afterAll(() => fake.close());

  it('returns the provider message id on success', async () => {
    const { providerMessageId } = await adapter.send(richEmail);
    expect(providerMessageId).toMatch(/\S{6,}/);
    expect(fake.received).toHaveLength(1);
  });

  it.each([400, 413])('treats HTTP %i as permanent, keeping the provider\'s error text', async (status) => {
    fake.answerNext({ status, body: errorBody(name, 'The from address does not match a verified Sender Identity') });
    const error = await adapter.send(richEmail).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.message).toContain(`${name} answered HTTP ${status}: The from address does not match`);
  });

  it.each([500, 502, 503])('treats HTTP %i as transient', async (status) => {
    fake.answerNext({ status });
    await expect(adapter.send(richEmail)).rejects.toBeInstanceOf(TransientProviderError);
  });

  it('treats 429 as transient', async () => {
    fake.answerNext({ status: 429, headers: { 'Retry-After': '7' } });
    await expect(adapter.send(richEmail)).rejects.toBeInstanceOf(TransientProviderError);
  });

  it('resolves check() from one probe for concurrent callers', async () => {
    const states = await Promise.all([adapter.check(), adapter.check(), adapter.check()]);
    expect(states).toEqual([{ status: 'up' }, { status: 'up' }, { status: 'up' }]);
  });

  it.each(['hang', 'drop'] as const)('treats a connection that does %s as transient', async (answer) => {
    fake.answerNext(answer);
    const error = await adapter.send(richEmail).catch((e) => e);
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toMatch(new RegExp(`^${name} could not be reached: `));
  });

  it('is up when the key works, and checks again only after the interval', async () => {
    expect(await adapter.check()).toEqual({ status: 'up' });
    fake.answerAlways({ status: 503 });
    expect(await adapter.check()).toEqual({ status: 'up' });
  });

  it('treats a rejected key as transient, marks the provider down, and never shows the key', async () => {
    const secret = `${name === 'sendgrid' ? 'SG.' : 'key-'}wrong-secret-${name}`;
    const wrong = adapterFor(fake, secret);
    const error = await wrong.send(richEmail).catch((e) => e);
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toContain('HTTP 401');
    const health = await wrong.check();
    expect(health).toEqual({ status: 'down', error: expect.stringContaining('HTTP 401') });
    expect(JSON.stringify([error.message, health])).not.toContain(secret);
  });

  it('is down with the reason when the provider cannot be reached', async () => {
    const nowhere = adapterFor({ ...fake, url: 'http://127.0.0.1:9' } as Fake);
    expect(await nowhere.check()).toEqual({ status: 'down', error: expect.stringContaining('ECONNREFUSED') });
  });
});

it('sendgrid keeps the wait a 429 asks for in Retry-After', async () => {
  const fake = await FakeSendGrid.start();
  fake.answerNext({ status: 429, headers: { 'Retry-After': '7' } });
  const adapter = new SendGridProvider({ apiKey: fake.apiKey, apiUrl: fake.url }, timings);
  await expect(adapter.send(richEmail)).rejects.toEqual(expect.objectContaining({ retryAfterMs: 7000 }));
  await fake.close();
});

describe('provider limits are checked before sending', () => {
  it('sendgrid: more than 10 categories', async () => {
    const fake = await FakeSendGrid.start();
    const adapter = new SendGridProvider({ apiKey: fake.apiKey, apiUrl: fake.url }, timings);
    const tags = Array.from({ length: 11 }, (_, i) => `t${i}`);
    await expect(adapter.send({ ...richEmail, tags })).rejects.toThrow(
      new PermanentProviderError('SendGrid accepts at most 10 categories (tags) per message'),
    );
    expect(fake.received).toHaveLength(0);
    await fake.close();
  });

  it('mailgun: more than 3 tags', async () => {
    const fake = await FakeMailgun.start();
    const adapter = new MailgunProvider({ apiKey: fake.apiKey, apiUrl: fake.url, domain: fake.domain }, timings);
    await expect(adapter.send({ ...richEmail, tags: ['a', 'b', 'c', 'd'] })).rejects.toThrow(
      new PermanentProviderError('Mailgun accepts at most 3 tags per message (o:tag)'),
    );
    expect(fake.received).toHaveLength(0);
    await fake.close();
  });
});

function errorBody(provider: string, message: string): unknown {
  return provider === 'sendgrid' ? { errors: [{ message, field: 'from', help: null }] } : { message };
}
