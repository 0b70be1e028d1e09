import { ApiProperty, ApiPropertyOptions, ApiSchema } from '@nestjs/swagger';

/** Each check by name, with its `status` (`up`, `down`, or for a provider not yet checked `unknown`) and its detail. */
const CHECKS: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', example: 'up' } },
    additionalProperties: true,
  },
};

/** What a probe answers: Terminus' report of the checks the probe ran. */
@ApiSchema({ name: 'HealthReport' })
export class HealthReportDto {
  /** `ok` when every check passed; `error` otherwise (503). */
  @ApiProperty({ enum: ['ok', 'error'], enumName: 'HealthStatus' })
  status: 'ok' | 'error';
  /** The checks that passed. */
  @ApiProperty(CHECKS)
  info: Record<string, unknown>;
  /** The checks that failed, with why. */
  @ApiProperty(CHECKS)
  error: Record<string, unknown>;
  /** Every check. */
  @ApiProperty(CHECKS)
  details: Record<string, unknown>;
}
