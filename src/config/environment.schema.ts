import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { IsWebhookSecret } from './is-webhook-secret.validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d*\.?\d+$/.test(value.trim()) ? Number(value) : value;

const HTTP_ORIGIN = /^https?:\/\/[^/\s]+\/?$/;

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const normalised = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalised)) return true;
  if (['false', '0', 'no'].includes(normalised)) return false;
  return value;
};

// Each variable reports its first error only, and class-validator checks bottom-up: the type check sits
// nearest to the property so that "PORT=abc" is told it is not an integer.

/**
 * The environment variables mailroute reads, with their defaults. Validation names the variable, so a
 * typo stops the start with a line the operator can act on.
 */
export class EnvironmentSchema {
  @Transform(toInt)
  @Min(0)
  @Max(65535)
  @IsInt()
  PORT = 3000;

  @MinLength(1)
  @IsString()
  HOST = '127.0.0.1';

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsString()
  REDIS_DATA_DIR = './data/redis';

  @IsOptional()
  @Matches(/^\s*[^,:\s]+:\d+(\s*,\s*[^,:\s]+:\d+)*\s*$/, {
    message: 'REDIS_SENTINELS must be a comma-separated list of host:port, e.g. "sentinel-0:26379,sentinel-1:26379"',
  })
  REDIS_SENTINELS?: string;

  @IsOptional()
  @Matches(/^\S+$/, { message: 'REDIS_SENTINEL_NAME must be the master group name the sentinels monitor' })
  REDIS_SENTINEL_NAME?: string;

  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  @IsOptional()
  @IsString()
  REDIS_TLS_CA_FILE?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  /** Unset rather than defaulted: the default may move when the embedded server cannot reach it (see AppConfig). */
  @IsOptional()
  @IsString()
  POSTGRES_DATA_DIR?: string;

  @IsOptional()
  @IsString()
  DATABASE_TLS_CA_FILE?: string;

  @IsIn(['all', 'api', 'worker'], { message: 'MAIL_ROLE must be one of all, api, worker' })
  MAIL_ROLE = 'all';

  /** Processes on this host sharing its port: a number, or `auto` for one per core. */
  @Matches(/^(auto|[1-9]\d{0,2})$/, { message: 'MAIL_PROCESSES must be auto or a whole number from 1 to 999' })
  MAIL_PROCESSES = '1';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL = 'info';

  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: string;

  @Transform(toBoolean)
  @IsBoolean()
  METRICS_ENABLED = true;

  @IsOptional()
  @Matches(/^[a-z0-9-]+(\s*,\s*[a-z0-9-]+)*$/, {
    message: 'MAIL_PROVIDERS must be a comma-separated list of provider names, e.g. "sendgrid,mailgun"',
  })
  MAIL_PROVIDERS?: string;

  @IsOptional()
  @IsString()
  MAIL_DEFAULT_FROM?: string;

  @Transform(toInt)
  @Min(1)
  @Max(100)
  @IsInt()
  MAIL_MAX_ATTEMPTS = 5;

  @Transform(toInt)
  @Min(1)
  @IsInt()
  MAIL_RETRY_BASE_MS = 1000;

  @Transform(toInt)
  @Min(1)
  @Max(3650)
  @IsInt()
  MAIL_RETENTION_DAYS = 30;

  @Transform(toInt)
  @Min(0, { message: 'MAIL_BODY_RETENTION_DAYS must be a whole number of days from 0 to 3650' })
  @Max(3650, { message: 'MAIL_BODY_RETENTION_DAYS must be a whole number of days from 0 to 3650' })
  @IsInt({ message: 'MAIL_BODY_RETENTION_DAYS must be a whole number of days from 0 to 3650' })
  MAIL_BODY_RETENTION_DAYS = 7;

  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  MAIL_CONCURRENCY = 10;

  @Transform(toInt)
  @Min(1000)
  @IsInt()
  MAIL_JOB_LOCK_MS = 30000;

  @Transform(toInt)
  @Min(1000)
  @IsInt()
  MAIL_ORPHAN_SWEEP_MS = 60000;

  @MinLength(1)
  @IsString()
  MAIL_OUTBOX_DIR = './data/outbox';

  @Transform(toInt)
  @Min(100)
  @IsInt()
  MAIL_SEND_TIMEOUT_MS = 10000;

  @Transform(toInt)
  @Min(0)
  @IsInt()
  PROVIDER_CHECK_INTERVAL_MS = 30000;

  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  MAIL_BREAKER_THRESHOLD = 5;

  @Transform(toInt)
  @Min(10)
  @IsInt()
  MAIL_BREAKER_COOLDOWN_MS = 30000;

  @Transform(toNumber)
  @Min(0)
  @Max(1)
  @IsNumber({}, { message: 'MAIL_BREAKER_FAILURE_RATE must be a number from 0 to 1' })
  MAIL_BREAKER_FAILURE_RATE = 0;

  @Transform(toInt)
  @Min(1000)
  @IsInt()
  MAIL_BREAKER_WINDOW_MS = 30000;

  @IsIn(['priority', 'weighted', 'score'], { message: 'MAIL_ROUTING must be one of priority, weighted, score' })
  MAIL_ROUTING = 'priority';

  @IsOptional()
  @Matches(/^[a-z0-9-]+:\d+(\s*,\s*[a-z0-9-]+:\d+)*$/, {
    message: 'MAIL_WEIGHTS must be a list of provider:weight, e.g. "sendgrid:3,mailgun:1"',
  })
  MAIL_WEIGHTS?: string;

  @Transform(toInt)
  @Min(100)
  @IsInt()
  MAIL_SCORE_RECOVERY_MS = 60000;

  @Transform(toInt)
  @Min(0)
  @IsInt()
  SENDGRID_RATE_LIMIT = 0;

  @Transform(toInt)
  @Min(0)
  @IsInt()
  MAILGUN_RATE_LIMIT = 0;

  @Transform(toInt)
  @Min(0)
  @IsInt()
  SMTP_RATE_LIMIT = 0;

  @Transform(toInt)
  @Min(0)
  @IsInt()
  OUTBOX_RATE_LIMIT = 0;

  @IsOptional()
  @IsString()
  SENDGRID_API_KEY?: string;

  @Matches(HTTP_ORIGIN, { message: 'SENDGRID_API_URL must be an http(s) origin without a path, e.g. https://api.sendgrid.com' })
  SENDGRID_API_URL = 'https://api.sendgrid.com';

  @IsOptional()
  @IsString()
  MAILGUN_API_KEY?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9.-]+$/, { message: 'MAILGUN_DOMAIN must be a domain name, e.g. mg.example.com' })
  MAILGUN_DOMAIN?: string;

  @Matches(HTTP_ORIGIN, { message: 'MAILGUN_API_URL must be an http(s) origin without a path, e.g. https://api.eu.mailgun.net' })
  MAILGUN_API_URL = 'https://api.mailgun.net';

  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @Transform(toInt)
  @Min(1)
  @Max(100)
  @IsInt()
  SMTP_POOL_SIZE = 5;

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'HTTP_BODY_LIMIT must be a size such as 10mb, 512kb or 1048576b' })
  HTTP_BODY_LIMIT = '15mb';

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'HTTP_IN_FLIGHT_LIMIT must be a size such as 64mb, 512kb or 1048576b' })
  HTTP_IN_FLIGHT_LIMIT = '32mb';

  @Transform(toInt)
  @Min(100)
  @IsInt()
  HTTP_REQUEST_TIMEOUT_MS = 30000;

  @Transform(toInt)
  @Min(1000)
  @IsInt()
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 65000;

  @Transform(toInt)
  @Min(1)
  @IsInt()
  HTTP_MAX_CONNECTIONS = 1000;

  @Transform(toInt)
  @Min(0)
  @IsInt()
  MAIL_ATTACHMENTS_MAX_BYTES = 10 * 1024 * 1024;

  @Transform(toInt)
  @Min(1)
  @IsInt()
  MAIL_BODY_MAX_BYTES = 5 * 1024 * 1024;

  @Transform(toBoolean)
  @IsBoolean()
  DOCS_ENABLED = true;

  @Transform(toBoolean)
  @IsBoolean()
  CONSOLE_ENABLED = true;

  @Transform(toInt)
  @Min(0)
  @IsInt()
  SHUTDOWN_TIMEOUT_MS = 10000;

  @IsOptional()
  @Matches(/^\s*[A-Za-z0-9_.-]+:(send|admin):[0-9a-f]{64}(:[^,\s]+)?\s*(,\s*[A-Za-z0-9_.-]+:(send|admin):[0-9a-f]{64}(:[^,\s]+)?\s*)*$/, {
    message:
      'API_KEYS must be a comma-separated list of name:scope:sha256-hex entries (scope send or admin, ' +
      'optionally :sender|@domain), as printed by `npm run key:new`',
  })
  API_KEYS?: string;

  @IsOptional()
  @Matches(/^\s*[^,\s]+(\s*,\s*[^,\s]+)*\s*$/, {
    message: 'MAIL_ALLOWED_FROM must be a comma-separated list of addresses and @domain entries',
  })
  MAIL_ALLOWED_FROM?: string;

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'WEBHOOK_URL must be an http:// or https:// URL' })
  WEBHOOK_URL?: string;

  /** `whsec_<base64 key>` (Standard Webhooks), or a plain secret of 16+ characters (see webhook-secret.ts). */
  @IsOptional()
  @IsWebhookSecret()
  WEBHOOK_SECRET?: string;

  @Transform(toInt)
  @Min(10)
  @IsInt()
  WEBHOOK_RETRY_BASE_MS = 1000;

  @IsOptional()
  @Matches(/^[A-Za-z0-9+/=\s-]+$/, { message: 'SENDGRID_WEBHOOK_PUBLIC_KEY must be the base64 key SendGrid shows' })
  SENDGRID_WEBHOOK_PUBLIC_KEY?: string;

  @IsOptional()
  @IsString()
  MAILGUN_WEBHOOK_SIGNING_KEY?: string;

  @Transform(toInt)
  @Min(0)
  @IsInt()
  API_RATE_LIMIT = 50;

  @Transform(toInt)
  @Min(100)
  @IsInt()
  API_RATE_WINDOW_MS = 1000;

  @Transform(toInt)
  @Min(0)
  @IsInt()
  INBOUND_RATE_LIMIT = 500;
}
