import { Agent, createServer, request, Server } from 'node:http';
import { once } from 'node:events';
import { AddressInfo } from 'node:net';
import { SeededRandom } from './seeded-random';

/**
 * An HTTP hop between the clients and the api that loses some answers: the request reaches mailroute,
 * which handles it and answers, but the client's connection is cut before the answer gets through. The
 * client cannot know whether its message was accepted: the case Idempotency-Key exists for.
 */
export class LossyProxy {
  /** Answers cut off so far. */
  lost = 0;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly server: Server;

  private constructor(
    private readonly target: string,
    private readonly random: SeededRandom,
    private readonly lossRate: number,
  ) {
    this.server = createServer((req, res) => {
      const upstream = request(`${this.target}${req.url}`, { method: req.method, headers: req.headers, agent: this.agent }, (answer) => {
        if (this.random.next() < this.lossRate) {
          this.lost += 1;
          answer.resume();
          return void req.socket.destroy();
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => req.socket.destroy());
      req.pipe(upstream);
    });
  }

  static async start(target: string, random: SeededRandom, lossRate: number): Promise<LossyProxy> {
    const proxy = new LossyProxy(target, random, lossRate);
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    this.agent.destroy();
    await closed;
  }
}
