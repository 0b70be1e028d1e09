import { Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { RedisServerProcess } from './redis-server.process';

const COMMAND_TIMEOUT_MS = 2_000;

/**
 * The Redis mailroute talks to: the configured REDIS_URL, or an embedded redis-server it starts and
 * stops itself. `client` fails commands at once while Redis is unreachable instead of queueing them,
 * and gives up on a command after two seconds, so a request that cannot be stored is answered 503
 * rather than left hanging.
 */
export class RedisConnection implements OnApplicationShutdown {
  private static readonly logger = new Logger('Redis');

  private constructor(
    readonly url: string,
    readonly client: Redis,
    private readonly embedded?: RedisServerProcess,
  ) {}

  static async open(config: AppConfig): Promise<RedisConnection> {
    const embedded = config.redis.url
      ? undefined
      : await RedisServerProcess.start({ dataDir: config.redis.dataDir, appendOnly: true });
    if (embedded) {
      RedisConnection.logger.log(`Started embedded redis-server on ${embedded.url} (data in ${config.redis.dataDir})`);
    }
    const url = config.redis.url ?? embedded!.url;
    const client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectionName: 'mailroute',
    });
    client.on('error', (error) => RedisConnection.logger.warn(`Redis connection error: ${error.message}`));
    await client.connect();
    return new RedisConnection(url, client, embedded);
  }

  async onApplicationShutdown(): Promise<void> {
    this.client.disconnect();
    await this.embedded?.stop();
  }
}
