import { once } from 'node:events';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A customer's webhook endpoint on 127.0.0.1: records what arrives; can be told to fail some calls. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Every call that got a non-2xx answer, in order. */
  readonly refused: ReceivedWebhook[] = [];
  private failuresLeft = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver!: WebhookReceiver;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const call = { headers: request.headers, body: Buffer.concat(chunks).toString() };
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
    receiver = new WebhookReceiver(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get url(): string {
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}/hooks/mailroute`;
  }

  failNext(count: number): void {
    this.failuresLeft = count;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
