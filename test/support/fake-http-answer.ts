import { createServer, IncomingMessage, Server, ServerResponse, STATUS_CODES } from 'node:http';
import { AddressInfo } from 'node:net';

/** One way of answering one send request. */
export type ScriptedAnswer =
  /** The provider's real success answer (or its real validation error, when the request is invalid). */
  | 'accept'
  /** This status; `body` defaults to the provider's real error body for it, `headers` are added. */
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Read the request and never answer, until close(). */
  | 'hang'
  /** Accept, but only once `after` settles: the test decides when the provider answers. */
  | { after: Promise<unknown> }
  /** Accept after this many milliseconds: a provider's own latency, for throughput benchmarks. */
  | { delayMs: number }
  /** Destroy the socket without answering. */
  | 'drop';

/**
 * Picks the answer as each send arrives, for answers not known in advance: random faults drawn from a
 * seeded generator, so that a failing run can be replayed.
 */
export type AnswerChooser = () => ScriptedAnswer;

/** How a fake provider answers one send request: a given answer, or one chosen as the request arrives. */
export type FakeAnswer = ScriptedAnswer | AnswerChooser;

/** One HTTP answer, already in the provider's wire format. */
export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * What a fake makes of one request: either a final answer that no script changes (wrong key, unknown
 * path, credential check), or an authenticated send, recorded and then answered as scripted.
 */
export type FakeRoute<TRequest> =
  | { reply: FakeReply }
  | {
      send: TRequest;
      /** The provider's own refusal of this request, used when the script says 'accept'. */
      rejection?: FakeReply;
    };

export const jsonReply = (status: number, value: unknown): FakeReply => ({
  status,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(value),
});

export const textReply = (status: number, text: string): FakeReply => ({
  status,
  headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  body: text,
});

/** The standard reason phrase, for default error bodies. */
export const reasonPhrase = (status: number): string => STATUS_CODES[status] ?? 'Error';

/**
 * An HTTP provider stand-in on a free 127.0.0.1 port. Subclasses speak one provider's wire format;
 * this class owns the script of answers, the record of sends and the server's lifecycle.
 */
export abstract class FakeProviderServer<TRequest> {
  /** Every authenticated send, parsed, in arrival order, whatever it was answered. */
  readonly received: TRequest[] = [];
  /** The answer each send got, at its index in `received` (a chooser's pick, not the chooser). */
  readonly answered: ScriptedAnswer[] = [];
  private scripted: FakeAnswer[] = [];
  private standing: FakeAnswer = 'accept';
  private origin = '';
  private readonly server: Server = createServer((req, res) => void this.serve(req, res));

  protected constructor(readonly apiKey: string) {}

  /** Origin only, e.g. http://127.0.0.1:45678; still known after close(), to test a refused connection. */
  get url(): string {
    return this.origin;
  }

  /** The next sends get these answers in order; afterwards the standing answer ('accept' by default). */
  answerNext(...answers: FakeAnswer[]): void {
    this.scripted.push(...answers);
  }

  /** Every following send gets this answer, until reset(). */
  answerAlways(answer: FakeAnswer): void {
    this.scripted = [];
    this.standing = answer;
  }

  reset(): void {
    this.received.length = 0;
    this.answered.length = 0;
    this.scripted = [];
    this.standing = 'accept';
  }

  /** Stops listening and ends every open connection, hung requests included. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  protected listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        resolve();
      });
    });
  }

  protected abstract route(req: IncomingMessage, body: Buffer): FakeRoute<TRequest> | Promise<FakeRoute<TRequest>>;

  /** The provider's success answer for a valid send. */
  protected abstract accepted(request: TRequest): FakeReply;

  /** The provider's real error answer for this status. */
  protected abstract errorReply(status: number): FakeReply;

  /**
   * Credential checks answer truthfully, except while answerAlways() scripts a server error: then the
   * whole provider is meant to be down, and they must say so too.
   */
  protected unlessDown(truthful: FakeReply): FakeReply {
    const answer = this.standing;
    return typeof answer === 'object' && 'status' in answer && answer.status >= 500 ? this.scriptedReply(answer) : truthful;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const route = await this.route(req, await readBody(req));
      if ('reply' in route) return write(res, route.reply);
      this.received.push(route.send);
      this.answer(res, route.send, route.rejection);
    } catch (error) {
      // A fault in the fake itself must fail the test that hit it, not crash the jest worker.
      write(res, textReply(500, `fake provider failed: ${String(error)}`));
    }
  }

  private answer(res: ServerResponse, request: TRequest, rejection: FakeReply | undefined): void {
    const next = this.scripted.shift() ?? this.standing;
    const answer = typeof next === 'function' ? next() : next;
    this.answered.push(answer);
    if (answer === 'hang') return;
    if (answer === 'drop') return void res.socket?.destroy();
    if (answer === 'accept') return write(res, rejection ?? this.accepted(request));
    if ('after' in answer) {
      void answer.after.finally(() => write(res, rejection ?? this.accepted(request)));
      return;
    }
    if ('delayMs' in answer) {
      setTimeout(() => write(res, rejection ?? this.accepted(request)), answer.delayMs);
      return;
    }
    write(res, this.scriptedReply(answer));
  }

  private scriptedReply({ status, body, headers }: Extract<ScriptedAnswer, { status: number }>): FakeReply {
    const reply = body === undefined ? this.errorReply(status) : customBody(status, body);
    return { ...reply, headers: { ...reply.headers, ...headers } };
  }
}

const customBody = (status: number, body: unknown): FakeReply =>
  typeof body === 'string' ? textReply(status, body) : jsonReply(status, body);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function write(res: ServerResponse, { status, headers, body }: FakeReply): void {
  res.writeHead(status, headers);
  res.end(body);
}
