import { Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { AppConfig } from '../config/config.module';
import { redisConnectionOptions } from './redis-options';
import { RedisServerProcess } from './redis-server.process';

const COMMAND_TIMEOUT_MS = 2_000;

/**
 * The Redis mailroute talks to: REDIS_URL, the master the REDIS_SENTINELS name, or an embedded
 * redis-server it starts and stops itself. `client` fails commands at once while Redis is unreachable
 * instead of queueing them, and gives up on a command after two seconds, so a request that cannot be
 * stored is answered 503 rather than left hanging. `options` is how to reach that Redis (address or
 * sentinels, credentials, database, TLS), for every other client (Bull's).
 */
export class RedisConnection implements OnApplicationShutdown {
  private static readonly logger = new Logger('Redis');

  private constructor(
    readonly options: RedisOptions,
    readonly client: Redis,
    private readonly embedded?: RedisServerProcess,
  ) {}

  static async open(config: AppConfig): Promise<RedisConnection> {
    const embedded = await RedisConnection.startEmbeddedUnlessConfigured(config);
    const options = redisConnectionOptions({ ...config.redis, url: config.redis.url ?? embedded?.url });
    const client = new Redis({
      ...options,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectionName: 'mailroute',
      enableAutoPipelining: true,
    });
    // The message only: ioredis attaches the failed command to its errors, and for AUTH that is the password.
    client.on('error', (error) => RedisConnection.logger.warn(`Redis connection error: ${error.message}`));
    try {
      await client.connect();
    } catch (error) {
      // Otherwise ioredis keeps reconnecting in the background of a process that failed to start.
      client.disconnect();
      await embedded?.stop();
      // eslint-disable-next-line preserve-caught-error -- no cause: the ioredis error holds the failed command (AUTH: the password)
      throw new Error(`Could not connect to Redis: ${(error as Error).message}`);
    }
    return new RedisConnection(options, client, embedded);
  }

  /** The embedded server when the configuration names none; also what a process cluster's primary starts for its processes. */
  static async startEmbeddedUnlessConfigured(config: AppConfig): Promise<RedisServerProcess | undefined> {
    if (config.redis.url || config.redis.sentinel) return undefined;
    const embedded = await RedisServerProcess.start({ dataDir: config.redis.dataDir, appendOnly: true });
    RedisConnection.logger.log(`Started embedded redis-server on ${embedded.url} (data in ${config.redis.dataDir})`);
    return embedded;
  }

  async onApplicationShutdown(): Promise<void> {
    this.client.disconnect();
    await this.embedded?.stop();
  }
}
