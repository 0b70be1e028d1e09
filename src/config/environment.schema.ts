import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const normalised = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalised)) return true;
  if (['false', '0', 'no'].includes(normalised)) return false;
  return value;
};

/**
 * The environment variables mailroute reads, with their defaults. Validation names the variable, so a
 * typo stops the start with a line the operator can act on.
 */
export class EnvironmentSchema {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @MinLength(1)
  HOST = '127.0.0.1';

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsString()
  REDIS_DATA_DIR = './data/redis';

  @Matches(/^[a-z0-9-]+(\s*,\s*[a-z0-9-]+)*$/, {
    message: 'MAIL_PROVIDERS must be a comma-separated list of provider names, e.g. "outbox"',
  })
  MAIL_PROVIDERS = 'outbox';

  @IsOptional()
  @IsString()
  MAIL_DEFAULT_FROM?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  MAIL_MAX_ATTEMPTS = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  MAIL_RETRY_BASE_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  MAIL_RETENTION_DAYS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  MAIL_CONCURRENCY = 10;

  @IsString()
  @MinLength(1)
  MAIL_OUTBOX_DIR = './data/outbox';

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'HTTP_BODY_LIMIT must be a size such as 10mb, 512kb or 1048576b' })
  HTTP_BODY_LIMIT = '10mb';

  @Transform(toBoolean)
  @IsBoolean()
  DOCS_ENABLED = true;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10000;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL = 'log';
}
