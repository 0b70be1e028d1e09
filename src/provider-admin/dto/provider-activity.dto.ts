import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'MinuteActivity' })
export class MinuteActivityDto {
  /** The minute's start; the last minute of the hour is the current one, still counting. @example "2026-11-23T10:15:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  at: string;
  /** Calls the provider handled in the minute: accepted the message, or refused the message itself. @example 42 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  sent: number;
  /**
   * Calls that failed at the provider in the minute (an error on its side, a timeout): the calls that
   * count against `recent.successRate`. @example 1
   */
  @ApiProperty({ type: 'integer', minimum: 0 })
  failed: number;
}

@ApiSchema({ name: 'ProviderActivity' })
export class ProviderActivityDto {
  /** @example "sendgrid" */
  name: string;
  /** The last hour across all workers, one entry per minute, oldest first; a minute without calls counts zeros. */
  @ApiProperty({ type: [MinuteActivityDto], minItems: 60, maxItems: 60 })
  minutes: MinuteActivityDto[];
}
