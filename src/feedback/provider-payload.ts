import { BadRequestException } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { validationMessages } from '../common/validation-options';

/** Where a cut detail ends, so that a reader knows there was more. */
const CUT = '…';
export const MAX_DETAIL_LENGTH = 1000;

/**
 * A provider's payload as `type`, or a 400 naming each bad field under `path`. Providers send many more
 * fields than mailroute reads, and add new ones, so unknown fields are left out rather than refused;
 * only the fields a DTO declares (with @Expose) are copied, which also keeps class-transformer out of
 * maps it cannot walk (a key named `constructor`).
 */
export function readPayload<T extends object>(type: ClassConstructor<T>, value: unknown, path = ''): T {
  const name = path || 'the body';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestException([`${name} must be a JSON object`]);
  }
  const payload = plainToInstance(type, value, { excludeExtraneousValues: true });
  const problems = validationMessages(validateSync(payload, { stopAtFirstError: true }), path);
  if (problems.length > 0) throw new BadRequestException(problems);
  return payload;
}

/**
 * Bounce diagnostics are the provider's words and can run long; they are cut rather than refused so that
 * a verbose server's bounce still suppresses the address, and what is stored stays small.
 */
export function shortDetail(detail: string | undefined): string | undefined {
  if (detail === undefined || detail.length <= MAX_DETAIL_LENGTH) return detail;
  return detail.slice(0, MAX_DETAIL_LENGTH - CUT.length) + CUT;
}
