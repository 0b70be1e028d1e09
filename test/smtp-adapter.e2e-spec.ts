import { PermanentProviderError, TransientProviderError } from '../src/providers/providers.module';
import { SmtpProvider } from '../src/providers/smtp.provider';
import { FakeSmtpServer } from './support/fake-smtp.server';
import { richEmail } from './support/rich-email';

const timings = { sendTimeoutMs: 2000, checkIntervalMs: 60_000 };

describe('SmtpProvider against a real SMTP server', () => {
  let server: FakeSmtpServer;
  let smtp: SmtpProvider;

  beforeAll(async () => {
    server = await FakeSmtpServer.start();
  });
  beforeEach(() => {
    server.reset();
    smtp = new SmtpProvider({ url: server.url, poolSize: 2 }, timings);
  });
  afterEach(() => smtp.onApplicationShutdown());
  afterAll(() => server.close());

  it('authenticates, sends, and returns the Message-ID with the server\'s 250 line', async () => {
    const result = await smtp.send(richEmail);
    const [received] = server.received;
    expect(received.user).toBe(server.user);
    expect(result.providerMessageId).toBe(received.parsed.messageId);
    expect(result.response).toBe(`250 OK: queued as ${received.queueId}`);
    expect(received.envelope.rcptTo.sort()).toEqual(
      [...richEmail.to, ...richEmail.cc, ...richEmail.bcc].map((a) => a.email).sort(),
    );
  });

  it('reports a 5xx refusal of the message as permanent, with the server\'s words', async () => {
    server.answerNext({ stage: 'data', code: 550, message: 'Message rejected as spam' });
    const error = await smtp.send(richEmail).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.message).toBe('smtp: 550 Message rejected as spam');
  });

  it('reports a 5xx refusal of the recipients as permanent', async () => {
    server.answerNext({ stage: 'rcpt', code: 550, message: 'No such user' });
    await expect(smtp.send(richEmail)).rejects.toBeInstanceOf(PermanentProviderError);
  });

  it.each([
    ['a 4xx at RCPT', { stage: 'rcpt' as const, code: 451, message: 'Try again later' }],
    ['a 4xx at DATA', { stage: 'data' as const, code: 452, message: 'Mailbox full' }],
    ['a 421 at MAIL FROM', { stage: 'mail' as const, code: 421, message: 'Too busy' }],
    ['a dropped connection', 'drop' as const],
  ])('reports %s as transient', async (_case, answer) => {
    server.answerNext(answer);
    await expect(smtp.send(richEmail)).rejects.toBeInstanceOf(TransientProviderError);
  });

  it('reports a refused connection as transient, and as down', async () => {
    const nowhere = new SmtpProvider({ url: 'smtp://u:p@127.0.0.1:9', poolSize: 1 }, timings);
    await expect(nowhere.send(richEmail)).rejects.toBeInstanceOf(TransientProviderError);
    expect(await nowhere.check()).toEqual({ status: 'down', error: expect.stringContaining('ECONNREFUSED') });
    nowhere.onApplicationShutdown();
  });

  it('is up with good credentials; a wrong password is transient, down, and never shows the password', async () => {
    expect(await smtp.check()).toEqual({ status: 'up' });

    const password = 'wrong-secret-password';
    const url = `smtp://${server.user}:${password}@127.0.0.1:${server.port}`;
    const wrong = new SmtpProvider({ url, poolSize: 1 }, timings);
    const error = await wrong.send(richEmail).catch((e) => e);
    expect(error).toBeInstanceOf(TransientProviderError);
    const health = await wrong.check();
    expect(health.status).toBe('down');
    expect(`${error.message} ${health.error}`).not.toContain(password);
    wrong.onApplicationShutdown();
  });
});
