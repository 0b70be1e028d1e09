import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvironmentSchema } from './environment.schema';
import { webhookSigningKey } from './webhook-secret';

const DEFAULT_POSTGRES_DATA_DIR = './data/postgres';
const SHARED_DATA_ROOT = '/var/lib/mailroute';

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * The one typed, validated configuration object. Every module injects this class; nothing else reads
 * the environment.
 */
export class AppConfig {
  readonly http: {
    port: number;
    host: string;
    bodyLimit: string;
    docsEnabled: boolean;
    /** The web console at /console, in processes that serve the API. */
    consoleEnabled: boolean;
    /** Request bodies this process may hold at once, in bytes; past it, requests with a body get 503. */
    inFlightLimitBytes: number;
    /** What the HTTP server allows one connection (see src/http-server.limits.ts). */
    server: { requestTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
  };
  /** What this process does: serve the API, process the queues, or both. */
  readonly role: ProcessRole;
  /** How many such processes run on this host, sharing its port (src/process-cluster.ts). */
  readonly processes: number;
  readonly log: { level: string; pretty: boolean };
  readonly metrics: { enabled: boolean };
  /**
   * Neither `url` nor `sentinel`: mailroute starts its own embedded Redis in `dataDir`. With `sentinel`,
   * the sentinels name the master and `url` (when set) only adds its password, database and TLS.
   */
  readonly redis: {
    url?: string;
    dataDir: string;
    sentinel?: { sentinels: { host: string; port: number }[]; name: string; password?: string };
    /** PEM of the CA that signed a rediss:// server's certificate, when not a public one. */
    tlsCa?: string;
  };
  /**
   * PostgreSQL, which keeps the messages' history: `url`, or, without it, an embedded server mailroute
   * starts and stops itself with its data in `dataDir`.
   */
  readonly database: {
    url?: string;
    dataDir: string;
    /**
     * Where the embedded server keeps its data instead when it must run as another user (mailroute runs
     * as root) who cannot reach `dataDir`, e.g. a checkout under /root: one folder per checkout under
     * /var/lib/mailroute. Only for the default `dataDir`; a POSTGRES_DATA_DIR that was chosen is kept to.
     */
    fallbackDataDir?: string;
    /** PEM of the CA that signed the server's certificate, when not a public one. */
    tlsCa?: string;
  };
  readonly mail: {
    defaultFrom?: string;
    maxAttempts: number;
    retryBaseMs: number;
    retentionDays: number;
    /** How long a message's bodies are kept in the history once it is final; 0: not at all. */
    bodyRetentionDays: number;
    concurrency: number;
    /**
     * How long a worker holds a job without renewing its lock; a worker that died mid-send loses the job
     * to another worker after about this long.
     */
    jobLockMs: number;
    /** How often a worker looks for scheduled or queued messages whose job is gone. */
    orphanSweepMs: number;
    /** Largest total size of a message's attachments, decoded. */
    attachmentsMaxBytes: number;
    /** Largest size of each of a message's text and html, in UTF-8 bytes. */
    bodyMaxBytes: number;
  };
  /** Credentials are present only for the providers whose variables are set. */
  readonly providers: {
    /** MAIL_PROVIDERS as given; undefined means "every provider with credentials, else the outbox". */
    order?: string[];
    sendTimeoutMs: number;
    checkIntervalMs: number;
    /**
     * What opens a provider's circuit (consecutive failures, or a failure rate over a window when
     * failureRate > 0) and how long it stays open before a trial.
     */
    breaker: { threshold: number; failureRate: number; windowMs: number; cooldownMs: number };
    routing: {
      strategy: 'priority' | 'weighted' | 'score';
      /** Relative share of first tries per provider for `weighted`; unlisted providers weigh 1. */
      weights: Record<string, number>;
      /** Time for a provider's score to win back most (63%) of what failures cost it. */
      scoreRecoveryMs: number;
    };
    /** Messages per second per provider across all workers; providers without an entry are unlimited. */
    rateLimits: Record<string, number>;
    outbox: { dir: string };
    sendgrid?: { apiKey: string; apiUrl: string };
    mailgun?: { apiKey: string; domain: string; apiUrl: string };
    smtp?: { url: string; poolSize: number };
  };
  readonly shutdownTimeoutMs: number;
  /**
   * Undefined when no WEBHOOK_URL is set: no status change is posted anywhere. `secret` is WEBHOOK_SECRET as
   * configured (the deprecated Mailroute-Signature's key); `signingKey` the Standard Webhooks key it stands for.
   */
  readonly webhooks?: { url: string; secret: string; signingKey: Uint8Array; retryBaseMs: number };
  /** Keys that prove a provider's event webhook came from the provider; unset: that endpoint is off. */
  readonly inbound: { sendgridPublicKey?: string; mailgunSigningKey?: string };
  readonly security: {
    /** Empty: no authentication, which the loopback-only rule below makes safe. */
    apiKeys: ApiKeyEntry[];
    /** Who may be the sender, for keys without a list of their own; empty allows anyone. */
    allowedFrom: string[];
    /**
     * Requests per key (or per IP without keys) per window; 0 turns the limit off. `inboundLimit` is the
     * provider webhooks' own, per provider and client IP in the same window.
     */
    rateLimit: { limit: number; windowMs: number; inboundLimit: number };
  };

  constructor(env: EnvironmentSchema) {
    this.http = {
      port: env.PORT,
      host: env.HOST,
      bodyLimit: env.HTTP_BODY_LIMIT,
      docsEnabled: env.DOCS_ENABLED,
      consoleEnabled: env.CONSOLE_ENABLED,
      inFlightLimitBytes: sizeInBytes(env.HTTP_IN_FLIGHT_LIMIT),
      server: {
        requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
        keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
        maxConnections: env.HTTP_MAX_CONNECTIONS,
      },
    };
    this.role = env.MAIL_ROLE as ProcessRole;
    this.processes = env.MAIL_PROCESSES === 'auto' ? availableParallelism() : Number(env.MAIL_PROCESSES);
    this.log = { level: env.LOG_LEVEL, pretty: (env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty' };
    this.metrics = { enabled: env.METRICS_ENABLED };
    this.redis = {
      url: env.REDIS_URL,
      dataDir: resolve(env.REDIS_DATA_DIR),
      sentinel: env.REDIS_SENTINELS
        ? { sentinels: parseHostPorts(env.REDIS_SENTINELS), name: env.REDIS_SENTINEL_NAME!, password: env.REDIS_SENTINEL_PASSWORD }
        : undefined,
      tlsCa: env.REDIS_TLS_CA_FILE ? readFileSync(env.REDIS_TLS_CA_FILE, 'utf8') : undefined,
    };
    const postgresDataDir = resolve(env.POSTGRES_DATA_DIR ?? DEFAULT_POSTGRES_DATA_DIR);
    this.database = {
      url: env.DATABASE_URL,
      dataDir: postgresDataDir,
      fallbackDataDir: env.POSTGRES_DATA_DIR === undefined ? postgresFallbackDir(postgresDataDir) : undefined,
      tlsCa: env.DATABASE_TLS_CA_FILE ? readFileSync(env.DATABASE_TLS_CA_FILE, 'utf8') : undefined,
    };
    this.mail = {
      defaultFrom: env.MAIL_DEFAULT_FROM,
      maxAttempts: env.MAIL_MAX_ATTEMPTS,
      retryBaseMs: env.MAIL_RETRY_BASE_MS,
      retentionDays: env.MAIL_RETENTION_DAYS,
      bodyRetentionDays: env.MAIL_BODY_RETENTION_DAYS,
      concurrency: env.MAIL_CONCURRENCY,
      jobLockMs: env.MAIL_JOB_LOCK_MS,
      orphanSweepMs: env.MAIL_ORPHAN_SWEEP_MS,
      attachmentsMaxBytes: env.MAIL_ATTACHMENTS_MAX_BYTES,
      bodyMaxBytes: env.MAIL_BODY_MAX_BYTES,
    };
    this.providers = {
      order: env.MAIL_PROVIDERS?.split(',').map((name) => name.trim()),
      sendTimeoutMs: env.MAIL_SEND_TIMEOUT_MS,
      checkIntervalMs: env.PROVIDER_CHECK_INTERVAL_MS,
      breaker: {
        threshold: env.MAIL_BREAKER_THRESHOLD,
        failureRate: env.MAIL_BREAKER_FAILURE_RATE,
        windowMs: env.MAIL_BREAKER_WINDOW_MS,
        cooldownMs: env.MAIL_BREAKER_COOLDOWN_MS,
      },
      routing: {
        strategy: env.MAIL_ROUTING as AppConfig['providers']['routing']['strategy'],
        weights: parseWeights(env.MAIL_WEIGHTS),
        scoreRecoveryMs: env.MAIL_SCORE_RECOVERY_MS,
      },
      rateLimits: Object.fromEntries(
        Object.entries({
          sendgrid: env.SENDGRID_RATE_LIMIT,
          mailgun: env.MAILGUN_RATE_LIMIT,
          smtp: env.SMTP_RATE_LIMIT,
          outbox: env.OUTBOX_RATE_LIMIT,
        }).filter(([, perSecond]) => perSecond > 0),
      ),
      outbox: { dir: resolve(env.MAIL_OUTBOX_DIR) },
      sendgrid: env.SENDGRID_API_KEY
        ? { apiKey: env.SENDGRID_API_KEY, apiUrl: withoutTrailingSlash(env.SENDGRID_API_URL) }
        : undefined,
      mailgun: env.MAILGUN_API_KEY
        ? { apiKey: env.MAILGUN_API_KEY, domain: env.MAILGUN_DOMAIN!, apiUrl: withoutTrailingSlash(env.MAILGUN_API_URL) }
        : undefined,
      smtp: env.SMTP_URL ? { url: env.SMTP_URL, poolSize: env.SMTP_POOL_SIZE } : undefined,
    };
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
    this.webhooks = env.WEBHOOK_URL
      ? {
          url: env.WEBHOOK_URL,
          secret: env.WEBHOOK_SECRET!,
          signingKey: webhookSigningKey(env.WEBHOOK_SECRET!),
          retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
        }
      : undefined;
    this.inbound = {
      sendgridPublicKey: env.SENDGRID_WEBHOOK_PUBLIC_KEY?.replace(/\s+/g, ''),
      mailgunSigningKey: env.MAILGUN_WEBHOOK_SIGNING_KEY,
    };
    this.security = {
      apiKeys: parseApiKeys(env.API_KEYS),
      allowedFrom: list(env.MAIL_ALLOWED_FROM),
      rateLimit: { limit: env.API_RATE_LIMIT, windowMs: env.API_RATE_WINDOW_MS, inboundLimit: env.INBOUND_RATE_LIMIT },
    };
  }
}

export type ProcessRole = 'all' | 'api' | 'worker';

/** Whether a process in `role` answers the API (a worker serves only health and metrics). */
const servesApi = (role: ProcessRole) => role !== 'worker';

export interface ApiKeyEntry {
  name: string;
  scope: 'send' | 'admin';
  /** Hex SHA-256 of the key: the key itself is never configured, stored or logged. */
  sha256: string;
  /** Senders this key may use (addresses and @domain entries); undefined follows MAIL_ALLOWED_FROM. */
  allowedFrom?: string[];
}

function parseApiKeys(value: string | undefined): ApiKeyEntry[] {
  return list(value).map((entry) => {
    const [name, scope, sha256, senders] = entry.split(':');
    return { name, scope: scope as ApiKeyEntry['scope'], sha256, allowedFrom: senders?.split('|') };
  });
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function parseWeights(list: string | undefined): Record<string, number> {
  if (!list) return {};
  return Object.fromEntries(
    list.split(',').map((entry) => {
      const [name, weight] = entry.trim().split(':');
      return [name, Number(weight)];
    }),
  );
}

function secretsFromFiles(env: Record<string, string | undefined>): Record<string, string> {
  const fromFiles: Record<string, string> = {};
  for (const name of FILE_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name]) throw new ConfigurationError(`Set ${name} or ${name}_FILE, not both`);
    try {
      fromFiles[name] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigurationError(`${name}_FILE cannot be read: ${(error as NodeJS.ErrnoException).code}`);
    }
  }
  return fromFiles;
}

function parseHostPorts(value: string): { host: string; port: number }[] {
  return list(value).map((entry) => {
    const [host, port] = entry.split(':');
    return { host, port: Number(port) };
  });
}

const withoutTrailingSlash = (url: string) => url.replace(/\/$/, '');

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** `15mb` in bytes, with body-parser's reading of the units (powers of 1024). */
export function sizeInBytes(size: string): number {
  const [, amount, unit] = /^(\d+)(b|kb|mb)$/i.exec(size)!;
  return Number(amount) * SIZE_UNITS[unit.toLowerCase()];
}

/** Secrets that may come from a mounted file instead (`SENDGRID_API_KEY_FILE=/run/secrets/sendgrid`). */
const FILE_VARIABLES = [
  'SENDGRID_API_KEY',
  'MAILGUN_API_KEY',
  'SMTP_URL',
  'API_KEYS',
  'REDIS_URL',
  'DATABASE_URL',
  'REDIS_SENTINEL_PASSWORD',
  'WEBHOOK_SECRET',
  'MAILGUN_WEBHOOK_SIGNING_KEY',
];
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Reads and validates `env`; throws a ConfigurationError naming every bad variable. */
export function loadConfig(rawEnv: Record<string, string | undefined>): AppConfig {
  const env = { ...rawEnv, ...secretsFromFiles(rawEnv) };
  const known = Object.keys(new EnvironmentSchema());
  const present = Object.fromEntries(
    known.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]),
  );
  const schema = plainToInstance(EnvironmentSchema, present, { exposeDefaultValues: true });
  const errors = validateSync(schema, { stopAtFirstError: true });
  const lines = errors.flatMap((error) => Object.values(error.constraints ?? {}));
  if (schema.MAILGUN_API_KEY && !schema.MAILGUN_DOMAIN) {
    lines.push('MAILGUN_DOMAIN is required when MAILGUN_API_KEY is set');
  }
  if (schema.REDIS_SENTINELS && !schema.REDIS_SENTINEL_NAME) {
    lines.push('REDIS_SENTINEL_NAME is required when REDIS_SENTINELS is set: it names the master the sentinels monitor');
  }
  for (const variable of ['REDIS_TLS_CA_FILE', 'DATABASE_TLS_CA_FILE'] as const) {
    const file = schema[variable];
    if (!file) continue;
    try {
      readFileSync(file);
    } catch (error) {
      lines.push(`${variable} cannot be read: ${(error as NodeJS.ErrnoException).code}`);
    }
  }
  const sizesValid = !errors.some(({ property }) => property === 'HTTP_IN_FLIGHT_LIMIT' || property === 'HTTP_BODY_LIMIT');
  if (sizesValid && sizeInBytes(schema.HTTP_IN_FLIGHT_LIMIT) < sizeInBytes(schema.HTTP_BODY_LIMIT)) {
    lines.push('HTTP_IN_FLIGHT_LIMIT must be at least HTTP_BODY_LIMIT: a body of the largest size allowed could never be read');
  }
  if (schema.WEBHOOK_URL && !schema.WEBHOOK_SECRET) {
    lines.push('WEBHOOK_SECRET is required when WEBHOOK_URL is set: receivers verify every delivery with it');
  }
  // A worker answers only probes and metrics, so it may listen beyond loopback without keys.
  if (!schema.API_KEYS && !LOOPBACK.has(schema.HOST) && servesApi(schema.MAIL_ROLE as ProcessRole)) {
    lines.push(
      `HOST is ${schema.HOST} but API_KEYS is empty: without API keys mailroute only listens on 127.0.0.1. ` +
        'Create a key with `npm run key:new -- --name <name> --scope send` and set API_KEYS.',
    );
  }
  if (lines.length > 0) {
    throw new ConfigurationError(`Invalid configuration:\n  - ${lines.join('\n  - ')}`);
  }
  return new AppConfig(schema);
}

/** /var/lib/mailroute/<a hash of `dataDir`>/postgres: one per checkout, so two checkouts never share a cluster. */
function postgresFallbackDir(dataDir: string): string {
  return join(SHARED_DATA_ROOT, createHash('sha256').update(dataDir).digest('hex').slice(0, 12), 'postgres');
}
