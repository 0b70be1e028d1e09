import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/auth.module';
import { ApiError } from '../../http/api-error.decorator';
import { WhenRedisDown } from '../../redis/redis.module';
import { WebhookDeliveryStore } from '../webhooks.module';
import { DEFAULT_DELIVERIES, ListWebhookDeliveriesQueryDto } from './dto/list-webhook-deliveries.query.dto';
import { WebhookDeliveryDto } from './dto/webhook-delivery.dto';

@ApiTags('webhooks')
@AdminOnly()
@Controller('v1/webhooks')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveryStore) {}

  /** The latest webhook deliveries, newest first, with every attempt. */
  @Get('deliveries')
  @WhenRedisDown('Webhook deliveries cannot be read while Redis is unreachable; try again.')
  @ApiOkResponse({ type: [WebhookDeliveryDto] })
  @ApiError(400, '`limit` is not an integer from 1 to 500.', ['limit must be an integer number'])
  listWebhookDeliveries(@Query() { limit = DEFAULT_DELIVERIES }: ListWebhookDeliveriesQueryDto): Promise<WebhookDeliveryDto[]> {
    return this.deliveries.newest(limit);
  }
}
