import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import Mailgun from 'mailgun.js';
import { FakeMailgun } from './support/fake-mailgun.server';
import { FakeSendGrid } from './support/fake-sendgrid.server';

// The fakes are only worth having if the official SDKs accept them as the real services, so every
// check here goes through the SDK exactly as the adapters use it.

describe('FakeSendGrid, driven through @sendgrid/mail', () => {
  let fake: FakeSendGrid;
  beforeAll(async () => (fake = await FakeSendGrid.start()));
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  function sdk(apiKey = fake.apiKey) {
    const client = new Client();
    client.setApiKey(apiKey);
    client.setDefaultRequest('baseUrl', fake.url); // after setApiKey(), which resets it
    const mail = new MailService();
    mail.setClient(client);
    mail.setTimeout(500);
    return { client, mail };
  }
  const message = { from: 'app@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };

  it('accepts a send with 202 and an X-Message-Id, and records the body in wire format', async () => {
    const [response] = await sdk().mail.send({ ...message, customArgs: { orderId: '7' } });
    expect(response.statusCode).toBe(202);
    expect(response.headers['x-message-id']).toEqual(expect.any(String));
    expect(fake.received).toEqual([
      {
        headers: expect.objectContaining({ authorization: 'Bearer SG.test-key' }),
        body: expect.objectContaining({
          personalizations: [{ to: [{ email: 'ann@example.com' }] }],
          custom_args: { orderId: '7' },
          content: [{ type: 'text/plain', value: 'Hello' }],
        }),
      },
    ]);
  });

  it('refuses a wrong key with 401 and records nothing', async () => {
    const error = await sdk('SG.wrong').mail.send(message).catch((e) => e);
    expect(error).toMatchObject({ code: 401, response: { body: { errors: [{ field: null }] } } });
    expect(fake.received).toEqual([]);
  });

  it('validates like SendGrid, naming the field', async () => {
    const error = await sdk().mail.send({ ...message, cc: 'ANN@example.com' }).catch((e) => e);
    expect(error.code).toBe(400);
    expect(error.response.body.errors[0].message).toMatch(/first duplicate instance of \[ANN@example.com\]/);
    expect(fake.received).toHaveLength(1);
  });

  it.each([400, 429, 500])('answers a scripted %i, then accepts again', async (status) => {
    fake.answerNext({ status, headers: { 'Retry-After': '7' } });
    const error = await sdk().mail.send(message).catch((e) => e);
    expect(error).toMatchObject({ code: status, response: { headers: { 'retry-after': '7' } } });
    expect(error.response.body.errors).toHaveLength(1);
    await expect(sdk().mail.send(message)).resolves.toBeDefined();
  });

  it.each([
    ['hang', 'ECONNABORTED'],
    ['drop', 'ECONNRESET'],
  ] as const)("'%s' reaches the SDK as an axios %s", async (answer, code) => {
    fake.answerNext(answer);
    await expect(sdk().mail.send(message)).rejects.toMatchObject({ code });
    expect(fake.received).toHaveLength(1);
  });

  it('answers GET /v3/scopes by the key, and with 5xx while the provider is down', async () => {
    const scopes = { method: 'GET', url: '/v3/scopes' } as const;
    await expect(sdk().client.request(scopes)).resolves.toMatchObject([{ statusCode: 200 }, { scopes: ['mail.send'] }]);
    await expect(sdk('SG.wrong').client.request(scopes)).rejects.toMatchObject({ code: 401 });
    fake.answerNext({ status: 500 });
    await expect(sdk().client.request(scopes)).resolves.toBeDefined();
    fake.answerAlways({ status: 503 });
    await expect(sdk().client.request(scopes)).rejects.toMatchObject({ code: 503 });
  });
});

describe('FakeMailgun, driven through mailgun.js', () => {
  let fake: FakeMailgun;
  beforeAll(async () => (fake = await FakeMailgun.start()));
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  const sdk = (key = fake.apiKey) =>
    new Mailgun(FormData).client({ username: 'api', key, url: fake.url, timeout: 500 });
  const message = { from: 'app@example.com', to: ['ann@example.com', 'bob@example.com'], subject: 'Hi', text: 'Hi' };

  it('accepts a send with a queued id, and records every field with its repeats', async () => {
    const result = await sdk().messages.create(fake.domain, { ...message, 'o:tag': ['a', 'b'], 'v:orderId': '7' });
    expect(result).toMatchObject({ status: 200, id: expect.stringMatching(/^<.+@mg\.example\.com>$/) });
    expect(fake.received).toEqual([
      {
        domain: 'mg.example.com',
        headers: expect.objectContaining({ authorization: `Basic ${Buffer.from('api:key-test').toString('base64')}` }),
        fields: expect.objectContaining({ to: message.to, 'o:tag': ['a', 'b'], 'v:orderId': ['7'], text: ['Hi'] }),
        files: {},
      },
    ]);
  });

  it('refuses a wrong key with 401 Forbidden and records nothing', async () => {
    const refused = sdk('key-wrong').messages.create(fake.domain, message);
    await expect(refused).rejects.toMatchObject({ status: 401, details: 'Forbidden' });
    expect(fake.received).toEqual([]);
  });

  it('validates like Mailgun: unknown domain, too many tags', async () => {
    await expect(sdk().messages.create('other.example.com', message)).rejects.toMatchObject({
      status: 404,
      details: 'Domain not found: other.example.com',
    });
    const tagged = sdk().messages.create(fake.domain, { ...message, 'o:tag': ['a', 'b', 'c', 'd'] });
    await expect(tagged).rejects.toMatchObject({ status: 400, details: 'Too many tags' });
  });

  it.each([400, 429, 500])('answers a scripted %i, then accepts again', async (status) => {
    fake.answerNext({ status, body: { message: 'scripted' } });
    await expect(sdk().messages.create(fake.domain, message)).rejects.toMatchObject({ status, details: 'scripted' });
    await expect(sdk().messages.create(fake.domain, message)).resolves.toMatchObject({ status: 200 });
  });

  // mailgun.js reports a missing answer as status 400 with the network error code as its message.
  it.each([
    ['hang', 'ECONNABORTED'],
    ['drop', 'ECONNRESET'],
  ] as const)("'%s' reaches the SDK as status 400, message %s", async (answer, code) => {
    fake.answerNext(answer);
    await expect(sdk().messages.create(fake.domain, message)).rejects.toMatchObject({ status: 400, message: code });
    expect(fake.received).toHaveLength(1);
  });

  it('answers GET /v4/domains/{domain} by the key, and with 5xx while the provider is down', async () => {
    await expect(sdk().domains.get(fake.domain)).resolves.toMatchObject({ name: 'mg.example.com', state: 'active' });
    await expect(sdk('key-wrong').domains.get(fake.domain)).rejects.toMatchObject({ status: 401 });
    fake.answerAlways({ status: 503 });
    await expect(sdk().domains.get(fake.domain)).rejects.toMatchObject({ status: 503 });
  });
});
