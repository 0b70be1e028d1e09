import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'Suppression' })
export class SuppressionDto {
  /** @example "gone@example.com" */
  email: string;
  @ApiProperty({ enum: ['hard_bounce', 'complaint'], enumName: 'SuppressionReason', example: 'hard_bounce' })
  reason: 'hard_bounce' | 'complaint';
  /** The provider that reported it. @example "sendgrid" */
  source: string;
  /** @example "550 5.1.1 The email account that you tried to reach does not exist" */
  detail?: string;
  /** @example "2026-11-23T10:20:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}
