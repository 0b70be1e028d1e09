import { createTransport } from 'nodemailer';
import { FakeSmtpServer, SmtpAnswer } from './support/fake-smtp.server';

const message = {
  from: 'Acme <app@example.com>',
  to: 'ann@example.com',
  subject: 'Your order has shipped 📦',
  text: 'Hello Ann',
};

describe('FakeSmtpServer, driven by nodemailer', () => {
  let server: FakeSmtpServer;

  beforeEach(async () => {
    server = await FakeSmtpServer.start();
  });

  afterEach(async () => {
    await server.close();
  });

  it('accepts an authenticated message, records it and answers with its queue id', async () => {
    const info = await createTransport(server.url).sendMail(message);

    expect(server.received).toHaveLength(1);
    const [received] = server.received;
    expect(received.parsed.subject).toBe('Your order has shipped 📦');
    expect(received.parsed.from?.text).toBe('"Acme" <app@example.com>');
    expect(received.parsed.to).toMatchObject({ text: 'ann@example.com' });
    expect(received).toMatchObject({
      envelope: { mailFrom: 'app@example.com', rcptTo: ['ann@example.com'] },
      user: 'mailroute',
    });
    expect(received.raw.toString()).toContain('Subject: ');
    expect(info.response).toBe(`250 OK: queued as ${received.queueId}`);
  });

  it('refuses a wrong password with 535, which nodemailer reports as EAUTH', async () => {
    const transport = createTransport({ host: '127.0.0.1', port: server.port, auth: { user: server.user, pass: 'wrong' } });

    await expect(transport.sendMail(message)).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    expect(server.received).toEqual([]);
  });

  const scripted: [string, SmtpAnswer, object][] = [
    [
      'a 550 at the end of DATA',
      { stage: 'data', code: 550, message: 'Message rejected as spam' },
      { code: 'EMESSAGE', responseCode: 550, command: 'DATA', response: '550 Message rejected as spam' },
    ],
    [
      'a 451 at RCPT',
      { stage: 'rcpt', code: 451, message: 'Try again later' },
      { code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO', rejected: ['ann@example.com'] },
    ],
    ['a dropped connection', 'drop', { code: 'ECONNECTION', message: 'Connection closed unexpectedly' }],
  ];

  it.each(scripted)('answers the next message with %s, then accepts again', async (_, answer, error) => {
    server.answerNext(answer);

    await expect(createTransport(server.url).sendMail(message)).rejects.toMatchObject(error);
    expect(server.received).toEqual([]);
    await createTransport(server.url).sendMail(message);
    expect(server.received).toHaveLength(1);
  });

  it('never answers a hung message, so the client times out', async () => {
    server.answerAlways('hang');
    const transport = createTransport({ url: server.url, socketTimeout: 200 });

    await expect(transport.sendMail(message)).rejects.toMatchObject({ code: 'ETIMEDOUT', message: 'Timeout' });
    expect(server.received).toEqual([]);
  });

  it('serves a pool over one connection, and close() ends it while it idles', async () => {
    const pool = createTransport({ url: server.url, pool: true });

    await pool.sendMail(message);
    await pool.sendMail(message);
    expect(server.received).toHaveLength(2);
    expect(server.connectionCount).toBe(1);

    await server.close();
    expect(server.connectionCount).toBe(0);
    pool.close();
  });
});
