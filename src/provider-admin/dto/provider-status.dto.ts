import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'RecentStats' })
export class RecentStatsDto {
  /** Calls in the window of the last 100. @example 100 */
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100 })
  calls: number;
  /** Share of those calls the provider handled (accepted, or refused the message itself), 0..1; null without calls. @example 0.98 */
  @ApiProperty({ type: 'number', minimum: 0, maximum: 1, nullable: true })
  successRate: number | null;
  /** Mean call duration in milliseconds; null without calls. @example 142 */
  @ApiProperty({ type: 'integer', minimum: 0, nullable: true })
  meanLatencyMs: number | null;
}

@ApiSchema({ name: 'ProviderStatus' })
export class ProviderStatusDto {
  /** @example "sendgrid" */
  name: string;
  /** Position in MAIL_PROVIDERS; 1 is tried first. @example 1 */
  @ApiProperty({ type: 'integer', minimum: 1 })
  priority: number;
  /** False while an operator has taken the provider out of rotation. @example true */
  enabled: boolean;
  /** How much longer the provider is skipped because it answered 429 with Retry-After. @example 0 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  pausedForMs: number;
  /** The shared circuit breaker: open means the provider is skipped without a call until a trial succeeds. */
  @ApiProperty({ enum: ['closed', 'open', 'half-open'], enumName: 'BreakerState', example: 'closed' })
  breaker: 'closed' | 'open' | 'half-open';
  /** Health score in [0, 1]; the score strategy (MAIL_ROUTING=score) tries the highest first. @example 1 */
  @ApiProperty({ minimum: 0, maximum: 1 })
  score: number;
  /** Messages a second across all workers (`<PROVIDER>_RATE_LIMIT`), or null for no limit. @example 50 */
  @ApiProperty({ type: 'number', nullable: true })
  rateLimit: number | null;
  recent: RecentStatsDto;
}
