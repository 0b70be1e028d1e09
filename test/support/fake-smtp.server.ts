import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { AddressInfo, Socket } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, SMTPServerDataStream, SMTPServerEnvelope, SMTPServerSession } from 'smtp-server';
import { watchSecret } from './secret-watch';

/**
 * How the server answers one message: accept it, refuse it with an SMTP reply at a stage of the
 * transaction, destroy the connection instead of accepting it, or never answer the end of DATA.
 */
export type SmtpAnswer =
  | 'accept'
  | { stage: 'rcpt' | 'data' | 'mail'; code: number; message: string }
  | 'drop'
  | 'hang';

type SmtpRejection = Exclude<SmtpAnswer, string>;

export interface ReceivedSmtpMessage {
  envelope: { mailFrom: string; rcptTo: string[] };
  /** The message exactly as it came in after DATA. */
  raw: Buffer;
  parsed: ParsedMail;
  /** The username the client authenticated as. */
  user?: string;
  /** The id sent back in the 250 reply, which clients report as the provider's message id. */
  queueId: string;
}

type DataCallback = (err?: Error | null, message?: string) => void;

/**
 * A real SMTP server on a free 127.0.0.1 port, requiring AUTH (PLAIN or LOGIN) over plain text, that
 * records what it accepts and answers each message as scripted, so tests can drive a real SMTP client
 * through every outcome a provider can produce.
 */
export class FakeSmtpServer {
  /** Messages answered with 250, in order; refused, dropped and hung ones never get here. */
  readonly received: ReceivedSmtpMessage[] = [];
  private readonly smtp: SMTPServer;
  // Kept by us rather than read from smtp-server so that 'drop' can reach a session's socket and
  // close() can end idle pooled and hung connections at once instead of after its grace period.
  private readonly sockets = new Set<Socket>();
  // Keyed by envelope because smtp-server makes a new one for every transaction on a connection.
  private readonly answers = new WeakMap<SMTPServerEnvelope, SmtpAnswer>();
  private nextAnswers: SmtpAnswer[] = [];
  private standingAnswer: SmtpAnswer = 'accept';
  private listeningPort = 0;

  private constructor(
    readonly user: string,
    readonly pass: string,
  ) {
    this.smtp = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      disableReverseLookup: true,
      onAuth: (auth, _session, callback) =>
        auth.username === this.user && auth.password === this.pass
          ? callback(null, { user: auth.username })
          : callback(smtpError(535, 'Authentication credentials invalid')),
      onMailFrom: (_address, session, callback) => callback(rejectionAt('mail', this.takeAnswer(session))),
      onRcptTo: (_address, session, callback) => callback(rejectionAt('rcpt', this.answerOf(session))),
      onData: (stream, session, callback) => {
        this.receive(stream, session, callback).catch(callback);
      },
    });
    // Clients going away mid-conversation (the point of 'drop' and 'hang') surface here as socket
    // errors; without a listener they would crash the test process.
    this.smtp.on('error', () => undefined);
    this.smtp.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: { user?: string; pass?: string } = {}): Promise<FakeSmtpServer> {
    const server = new FakeSmtpServer(options.user ?? 'mailroute', options.pass ?? 's3cret-pass');
    watchSecret(server.pass);
    server.smtp.listen(0, '127.0.0.1');
    await once(server.smtp.server, 'listening');
    server.listeningPort = (server.smtp.server.address() as AddressInfo).port;
    return server;
  }

  get port(): number {
    return this.listeningPort;
  }

  /** What SMTP_URL would be to deliver through this server. */
  get url(): string {
    return `smtp://${encodeURIComponent(this.user)}:${encodeURIComponent(this.pass)}@127.0.0.1:${this.port}`;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** The next messages get these answers, one each, in order; the standing answer follows. */
  answerNext(...answers: SmtpAnswer[]): void {
    this.nextAnswers.push(...answers);
  }

  /** Every message from now on gets this answer, replacing any left from answerNext. */
  answerAlways(answer: SmtpAnswer): void {
    this.nextAnswers = [];
    this.standingAnswer = answer;
  }

  reset(): void {
    this.received.length = 0;
    this.answerAlways('accept');
  }

  async close(): Promise<void> {
    const serverClosed = new Promise<void>((resolve) => this.smtp.close(resolve));
    await Promise.all(
      [...this.sockets].map((socket) => {
        const closed = once(socket, 'close');
        socket.destroy();
        return closed;
      }),
    );
    await serverClosed;
  }

  // A message's answer is chosen when its transaction starts, so that a rejection at any stage
  // consumes exactly one scripted answer.
  private takeAnswer(session: SMTPServerSession): SmtpAnswer {
    const answer = this.nextAnswers.shift() ?? this.standingAnswer;
    this.answers.set(session.envelope, answer);
    return answer;
  }

  private answerOf(session: SMTPServerSession): SmtpAnswer {
    return this.answers.get(session.envelope) ?? 'accept';
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession, callback: DataCallback) {
    const raw = await buffer(stream);
    const answer = this.answerOf(session);
    if (answer === 'hang') return;
    if (answer === 'drop') {
      [...this.sockets].find((socket) => socket.remotePort === session.remotePort)?.destroy();
      return;
    }
    const rejection = rejectionAt('data', answer);
    if (rejection) return callback(rejection);
    const queueId = randomBytes(6).toString('hex').toUpperCase();
    this.received.push({
      envelope: envelopeOf(session.envelope),
      raw,
      parsed: await simpleParser(raw),
      user: session.user,
      queueId,
    });
    callback(null, `OK: queued as ${queueId}`);
  }
}

/** smtp-server replies to a handler's error with the error's responseCode and message. */
function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function rejectionAt(stage: SmtpRejection['stage'], answer: SmtpAnswer): Error | null {
  return typeof answer === 'object' && answer.stage === stage ? smtpError(answer.code, answer.message) : null;
}

function envelopeOf(envelope: SMTPServerEnvelope): ReceivedSmtpMessage['envelope'] {
  return {
    mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
    rcptTo: envelope.rcptTo.map((recipient) => recipient.address),
  };
}
