import { INestApplication } from '@nestjs/common';
import { TaskCancelledError, TimeoutStrategy, timeout } from 'cockatiel';
import { PROCESS_ROLES } from './app.module';
import { AppConfig } from './config/config.module';
import { DatabaseConnection } from './database/database.module';
import { EmailProvider, EmailProviders } from './providers/providers.module';

const CHECK_TIMEOUT_MS = 5_000;
const checkTimeout = timeout(CHECK_TIMEOUT_MS, TimeoutStrategy.Aggressive);

/**
 * The one line an operator reads to know what started: role, Redis, PostgreSQL, providers with their
 * first check, routing, limits. Credentials never appear: Redis and PostgreSQL are named by host only.
 */
export async function startupSummary(app: INestApplication): Promise<string> {
  const config = app.get(AppConfig);
  const providers = await Promise.all(app.get<EmailProviders>(EmailProvider, { strict: false }).map(describeProvider));
  const parts = [
    `role=${config.role}`,
    `redis=${describeRedis(config)}`,
    `history=${describeDatabase(config, app.get(DatabaseConnection, { strict: false }))}`,
    `providers=[${providers.join(', ')}]`,
    `routing=${config.providers.routing.strategy}`,
    ...(PROCESS_ROLES[config.role].worker ? [`concurrency=${config.mail.concurrency}`] : []),
    `maxAttempts=${config.mail.maxAttempts}`,
    `apiKeys=${config.security.apiKeys.length}`,
    `webhooks=${config.webhooks ? 'on' : 'off'}`,
    `metrics=${config.metrics.enabled ? 'on' : 'off'}`,
  ];
  return `mailroute started: ${parts.join(' ')}`;
}

async function describeProvider(provider: EmailProvider): Promise<string> {
  const health = await checkTimeout.execute(() => provider.check()).catch((error: Error) => ({
    status: 'down',
    error: error instanceof TaskCancelledError ? `check did not finish within ${CHECK_TIMEOUT_MS} ms` : error.message,
  }));
  return health.status === 'up' ? `${provider.name} up` : `${provider.name} down (${health.error ?? 'no reason given'})`;
}

function describeRedis({ redis }: AppConfig): string {
  if (redis.sentinel) return `sentinel:${redis.sentinel.name}@${redis.sentinel.sentinels.map(({ host, port }) => `${host}:${port}`).join(',')}`;
  return redis.url ? withoutCredentials(redis.url, 6379) : `embedded (${redis.dataDir})`;
}

function describeDatabase({ database }: AppConfig, connection: DatabaseConnection): string {
  return database.url ? withoutCredentials(database.url, 5432) : `embedded (${connection.embeddedDataDir})`;
}

/** Scheme, host, port and database of a server's URL: never its user or password. */
function withoutCredentials(url: string, defaultPort: number): string {
  const { protocol, hostname, port, pathname } = new URL(url);
  return `${protocol}//${hostname}:${port || defaultPort}${pathname.length > 1 ? pathname : ''}`;
}
