import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { resolve } from 'node:path';
import { EnvironmentSchema } from './environment.schema';

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * The one typed, validated configuration object. Every module injects this class; nothing else reads
 * the environment.
 */
export class AppConfig {
  readonly http: { port: number; host: string; bodyLimit: string; docsEnabled: boolean };
  /** `url` is undefined when mailroute should start its own embedded Redis in `dataDir`. */
  readonly redis: { url?: string; dataDir: string };
  readonly mail: {
    providers: string[];
    defaultFrom?: string;
    maxAttempts: number;
    retryBaseMs: number;
    retentionDays: number;
    concurrency: number;
    outboxDir: string;
  };
  readonly shutdownTimeoutMs: number;

  constructor(env: EnvironmentSchema) {
    this.http = {
      port: env.PORT,
      host: env.HOST,
      bodyLimit: env.HTTP_BODY_LIMIT,
      docsEnabled: env.DOCS_ENABLED,
    };
    this.redis = { url: env.REDIS_URL, dataDir: resolve(env.REDIS_DATA_DIR) };
    this.mail = {
      providers: env.MAIL_PROVIDERS.split(',').map((name) => name.trim()),
      defaultFrom: env.MAIL_DEFAULT_FROM,
      maxAttempts: env.MAIL_MAX_ATTEMPTS,
      retryBaseMs: env.MAIL_RETRY_BASE_MS,
      retentionDays: env.MAIL_RETENTION_DAYS,
      concurrency: env.MAIL_CONCURRENCY,
      outboxDir: resolve(env.MAIL_OUTBOX_DIR),
    };
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
  }
}

/** Reads and validates `env`; throws a ConfigurationError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const known = Object.keys(new EnvironmentSchema());
  const present = Object.fromEntries(
    known.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]),
  );
  const schema = plainToInstance(EnvironmentSchema, present, { exposeDefaultValues: true });
  const errors = validateSync(schema, { stopAtFirstError: true });
  if (errors.length > 0) {
    const lines = errors.flatMap((error) => Object.values(error.constraints ?? {}));
    throw new ConfigurationError(`Invalid configuration:\n  - ${lines.join('\n  - ')}`);
  }
  return new AppConfig(schema);
}
