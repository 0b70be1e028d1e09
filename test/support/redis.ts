import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisServerProcess } from '../../src/redis/redis-server.process';

/** A throwaway redis-server on a free 127.0.0.1 port, with its data in a temporary directory. */
export class ThrowawayRedis {
  private constructor(
    readonly server: RedisServerProcess,
    private readonly dataDir: string,
  ) {}

  static async start(): Promise<ThrowawayRedis> {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailroute-redis-'));
    return new ThrowawayRedis(await RedisServerProcess.start({ dataDir, appendOnly: false }), dataDir);
  }

  get url(): string {
    return this.server.url;
  }

  /** Forgets everything, for tests that share one server but must not share state. */
  async flush(): Promise<void> {
    const client = new Redis(this.url);
    await client.flushall();
    client.disconnect();
  }

  async stop(): Promise<void> {
    await this.server.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
