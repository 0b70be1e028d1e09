import { once } from 'node:events';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { retryingFetch } from './retrying-fetch';

interface Seen {
  method: string;
  path: string;
  idempotencyKey?: string;
  body: string;
}

type Answer = { status: number; headers?: Record<string, string> };

/** A real HTTP server on 127.0.0.1 that gives the scripted answers in turn (the last one from then on). */
class ScriptedServer {
  readonly seen: Seen[] = [];
  private answers: Answer[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<ScriptedServer> {
    const scripted: ScriptedServer = new ScriptedServer(createServer((request, response) => void scripted.answer(request, response)));
    scripted.server.listen(0, '127.0.0.1');
    await once(scripted.server, 'listening');
    return scripted;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  script(...answers: Answer[]): void {
    this.answers = answers;
    this.seen.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const key = request.headers['idempotency-key'];
    this.seen.push({ method: request.method!, path: request.url!, idempotencyKey: key as string | undefined, body: Buffer.concat(chunks).toString() });
    const { status, headers = {} } = this.answers.length > 1 ? this.answers.shift()! : this.answers[0];
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ statusCode: status }));
  }
}

describe('retryingFetch', () => {
  let server: ScriptedServer;
  const send = retryingFetch((request) => fetch(request), { retries: 3, baseDelayMs: 1, maxDelayMs: 2_000 });
  const post = (path: string, headers: Record<string, string> = {}) =>
    new Request(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"to":"ann@example.com"}' });

  beforeAll(async () => {
    server = await ScriptedServer.start();
  });
  afterAll(() => server.stop());

  it.each([408, 429, 503])('sends a refused send again after a %s, with the same body and the same Idempotency-Key', async (status) => {
    server.script({ status, headers: { 'Retry-After': '0' } }, { status: 202 });
    const response = await send(post('/v1/emails', { 'Idempotency-Key': 'order-1' }));
    expect(response.status).toBe(202);
    expect(server.seen).toEqual(Array(2).fill({ method: 'POST', path: '/v1/emails', idempotencyKey: 'order-1', body: '{"to":"ann@example.com"}' }));
  });

  it.each(['/v1/emails/batch', '/v1/emails/3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44/resend'])(
    'gives a send without a key (%s) one of its own before the first try, and keeps it for the retries',
    async (path) => {
      server.script({ status: 503 }, { status: 503 }, { status: 202 });
      expect((await send(post(path))).status).toBe(202);
      const keys = server.seen.map(({ idempotencyKey }) => idempotencyKey);
      expect(keys).toHaveLength(3);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it('stops after its retries and hands back the last answer', async () => {
    server.script({ status: 503 });
    expect((await send(new Request(`${server.url}/v1/emails/x`))).status).toBe(503);
    expect(server.seen).toHaveLength(4);
  });

  it('does not retry a POST that has no Idempotency-Key to carry, nor an answer that is not "not now"', async () => {
    server.script({ status: 503 });
    expect((await send(post('/v1/emails/3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44/cancel'))).status).toBe(503);
    expect(server.seen).toHaveLength(1);
    server.script({ status: 500 });
    expect((await send(new Request(`${server.url}/v1/emails`))).status).toBe(500);
    expect(server.seen).toHaveLength(1);
  });

  it('hands back at once an answer that asks for a longer wait than maxDelayMs', async () => {
    server.script({ status: 429, headers: { 'Retry-After': '60' } }, { status: 202 });
    const response = await send(post('/v1/emails', { 'Idempotency-Key': 'order-2' }));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('60');
    expect(server.seen).toHaveLength(1);
  });

  it('tries again after a connection that failed, and throws once the retries are spent', async () => {
    const closed = 'http://127.0.0.1:1/v1/emails';
    let tries = 0;
    const counting = retryingFetch(
      (request) => {
        tries += 1;
        return fetch(request);
      },
      { retries: 2, baseDelayMs: 1 },
    );
    await expect(counting(new Request(closed))).rejects.toThrow('fetch failed');
    expect(tries).toBe(3);
  });
});
