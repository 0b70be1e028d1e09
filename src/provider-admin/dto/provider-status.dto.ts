import { ApiProperty } from '@nestjs/swagger';

export class RecentStatsDto {
  /** Calls in the window of the last 100. @example 100 */
  calls: number;
  /** Share of those calls the provider handled (accepted, or refused the message itself), 0..1. @example 0.98 */
  successRate: number | null;
  /** Mean call duration in milliseconds. @example 142 */
  meanLatencyMs: number | null;
}

export class ProviderStatusDto {
  /** @example "sendgrid" */
  name: string;
  /** Position in MAIL_PROVIDERS; 1 is tried first. @example 1 */
  priority: number;
  /** False while an operator has taken the provider out of rotation. @example true */
  enabled: boolean;
  /** How much longer the provider is skipped because it answered 429 with Retry-After. @example 0 */
  pausedForMs: number;
  /** The shared circuit breaker: open means the provider is skipped without a call until a trial succeeds. */
  @ApiProperty({ enum: ['closed', 'open', 'half-open'], example: 'closed' })
  breaker: 'closed' | 'open' | 'half-open';
  recent: RecentStatsDto;
}
