import type { RedisOptions } from 'ioredis';
import { AppConfig } from '../config/config.module';

/** Where to find Redis: the configuration, with the embedded server's URL when mailroute runs its own. */
export type RedisTarget = Pick<AppConfig['redis'], 'url' | 'sentinel' | 'tlsCa'>;

/**
 * How every mailroute connection reaches Redis (the store client, Bull's clients, stream readers): host
 * or sentinels, credentials, database and TLS. Nothing about how a client queues or retries commands:
 * each client decides that for itself (Bull refuses some of those settings on its blocking connections).
 */
export function redisConnectionOptions({ url, sentinel, tlsCa }: RedisTarget): RedisOptions {
  const parsed = url ? new URL(url) : undefined;
  const access = parsed ? accessOptions(parsed, tlsCa) : {};
  if (!sentinel) return { ...addressOptions(parsed), ...access };
  // The sentinels say where the master is; the URL, when given, only adds how to log in and over what.
  return {
    ...access,
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    sentinelPassword: sentinel.password,
    enableTLSForSentinelMode: access.tls !== undefined,
  };
}

function addressOptions(url: URL | undefined): RedisOptions {
  if (!url) return {};
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 6379 };
}

/** Credentials, database and TLS. */
function accessOptions(url: URL, tlsCa: string | undefined): RedisOptions {
  const options: RedisOptions = {};
  if (url.username) options.username = decodeURIComponent(url.username);
  if (url.password) options.password = decodeURIComponent(url.password);
  const db = url.pathname.slice(1);
  if (db) options.db = databaseNumber(db);
  if (url.protocol === 'rediss:') options.tls = tlsCa ? { ca: tlsCa } : {};
  return options;
}

// The message quotes the path only: the rest of the URL may hold the password.
function databaseNumber(path: string): number {
  if (!/^\d+$/.test(path)) {
    throw new Error(`REDIS_URL ends in "/${path}", which is not a database number (such as /0)`);
  }
  return Number(path);
}
