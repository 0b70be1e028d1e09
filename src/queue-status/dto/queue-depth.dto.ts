import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/**
 * No count of completed jobs: a queue drops a job once it completes (the message's record is the
 * history), so that count would always be 0.
 */
@ApiSchema({ name: 'QueueCounts' })
export class QueueCountsDto {
  /** The Bull queue: `mail` delivers messages, `webhooks` sends the webhooks to WEBHOOK_URL. @example "mail" */
  name: string;
  /** Jobs due now, waiting for a worker. @example 12 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  waiting: number;
  /** Jobs a worker is running. @example 4 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  active: number;
  /** Jobs due later: scheduled messages (`sendAt`) and retries waiting out their backoff. @example 3 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  delayed: number;
  /** Jobs that ran out of attempts, kept for the dashboard (the last 1,000 at most). @example 0 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  failed: number;
  /** Jobs due now in a queue paused from the dashboard. @example 0 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  paused: number;
}

@ApiSchema({ name: 'QueueDepth' })
export class QueueDepthDto {
  /** The mail queue, then the webhook queue. */
  queues: QueueCountsDto[];
  /** The job dashboard (bull-board), which asks for an admin key. @example "/admin/queues" */
  dashboardPath: string;
}
