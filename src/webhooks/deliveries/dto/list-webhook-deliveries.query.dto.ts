import { PageLimit } from '../../../common/page-limit.decorator';

export const DEFAULT_DELIVERIES = 50;

export class ListWebhookDeliveriesQueryDto {
  /** How many of the latest deliveries. */
  @PageLimit(500, DEFAULT_DELIVERIES)
  limit?: number;
}
