import { Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/auth.module';
import { ApiError } from '../../http/api-error.decorator';
import { WhenRedisDown } from '../../redis/redis.module';
import { SuppressionDto } from './dto/suppression.dto';
import { SuppressionStore } from './suppression.store';

@ApiTags('suppressions')
@AdminOnly()
@Controller('v1/suppressions')
export class SuppressionsController {
  constructor(private readonly suppressions: SuppressionStore) {}

  /** Addresses mailroute refuses to send to, newest first. */
  @Get()
  @WhenRedisDown('The suppression list cannot be read while Redis is unreachable; try again.')
  @ApiOkResponse({ type: [SuppressionDto] })
  listSuppressions(): Promise<SuppressionDto[]> {
    return this.suppressions.all();
  }

  /** Takes an address off the list, e.g. once its owner fixed their mailbox. */
  @Delete(':email')
  @HttpCode(HttpStatus.NO_CONTENT)
  @WhenRedisDown('The address was not removed: the suppression list (Redis) is unreachable; try again.')
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiParam({ name: 'email', description: 'The suppressed address.', schema: { type: 'string', format: 'email' } })
  @ApiError(404, 'The address is not on the list.', 'gone@example.com is not suppressed')
  async removeSuppression(@Param('email') email: string): Promise<void> {
    if (!(await this.suppressions.remove(email))) throw new NotFoundException(`${email} is not suppressed`);
  }
}
