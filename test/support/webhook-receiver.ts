import { once } from 'node:events';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';

const HOOK_PATH = '/hooks/mailroute';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A customer's webhook endpoint on 127.0.0.1: records what arrives, on any path; can be told to fail
 * some calls, or to redirect every call to another path of its own.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Every call that got a non-2xx answer, in order. */
  readonly refused: ReceivedWebhook[] = [];
  private failuresLeft = 0;
  private redirectTarget?: string;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const call = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() };
        if (call.path === HOOK_PATH && receiver.redirectTarget) {
          receiver.refused.push(call);
          response.writeHead(307, { location: receiver.redirectTarget }).end();
          return;
        }
        if (receiver.failuresLeft > 0) {
          receiver.failuresLeft -= 1;
          receiver.refused.push(call);
          response.writeHead(503).end('busy');
          return;
        }
        receiver.received.push(call);
        response.writeHead(204).end();
      });
    });
    const receiver = new WebhookReceiver(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get url(): string {
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}${HOOK_PATH}`;
  }

  failNext(count: number): void {
    this.failuresLeft = count;
  }

  /** Answers every later call to the webhook URL with a 307 to `path`, a path of this same server. */
  redirectTo(path: string): void {
    this.redirectTarget = path;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
