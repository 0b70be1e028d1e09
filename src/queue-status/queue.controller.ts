import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.module';
import { WhenRedisDown } from '../redis/redis.module';
import { QueueDepthDto } from './dto/queue-depth.dto';
import { QueueDepthReader } from './queue-depth.reader';

@ApiTags('queue')
@AdminOnly()
@Controller('v1/queue')
export class QueueController {
  constructor(private readonly reader: QueueDepthReader) {}

  /** The mail and webhook queues' jobs by state, read from Redis now, and where the job dashboard is. */
  @Get()
  @WhenRedisDown('The queues cannot be counted while Redis is unreachable; try again.')
  @ApiOkResponse({ type: QueueDepthDto })
  getQueueDepth(): Promise<QueueDepthDto> {
    return this.reader.depth();
  }
}
