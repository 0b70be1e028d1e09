import { Controller, DefaultValuePipe, Get, ParseIntPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/auth.module';
import { WhenRedisDown } from '../../redis/redis.module';
import { WebhookDeliveryStore } from '../webhooks.module';
import { WebhookDeliveryDto } from './dto/webhook-delivery.dto';

@ApiTags('webhooks')
@AdminOnly()
@Controller('v1/webhooks')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveryStore) {}

  /** The latest webhook deliveries, newest first, with every attempt. */
  @Get('deliveries')
  @WhenRedisDown('Webhook deliveries cannot be read while Redis is unreachable; try again.')
  @ApiQuery({ name: 'limit', required: false, example: 50, description: '1 to 500, default 50' })
  @ApiOkResponse({ type: [WebhookDeliveryDto] })
  list(@Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit: number): Promise<WebhookDeliveryDto[]> {
    return this.deliveries.newest(Math.min(Math.max(limit, 1), 500));
  }
}
