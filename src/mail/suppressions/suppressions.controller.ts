import { Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/auth.module';
import { ApiError } from '../../http/api-error.decorator';
import { WhenRedisDown } from '../../redis/redis.module';
import type { Response } from 'express';
import { ListSuppressionsQueryDto } from './dto/list-suppressions.query.dto';
import { SuppressionDto } from './dto/suppression.dto';
import { SuppressionStore } from './suppression.store';

const TOTAL_COUNT = 'X-Total-Count';
/** The answer holds at most `limit` addresses: this says whether there are more. */
const TOTAL_COUNT_HEADER = {
  description: 'How many addresses match `search` (all of the list without it); the answer holds the newest `limit` of them (all without it).',
  required: true,
  schema: { type: 'integer', minimum: 0 },
} as const;

@ApiTags('suppressions')
@AdminOnly()
@Controller('v1/suppressions')
export class SuppressionsController {
  constructor(private readonly suppressions: SuppressionStore) {}

  /** Addresses mailroute refuses to send to, newest first: the newest `limit` (or all) of those that match `search`. */
  @Get()
  @WhenRedisDown('The suppression list cannot be read while Redis is unreachable; try again.')
  @ApiOkResponse({ type: [SuppressionDto], headers: { [TOTAL_COUNT]: TOTAL_COUNT_HEADER } })
  @ApiError(400, '`search` is not 1 to 254 characters, or `limit` not an integer from 1 to 500.', ['limit must not be greater than 500'])
  async listSuppressions(
    @Query() { search, limit }: ListSuppressionsQueryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SuppressionDto[]> {
    const { suppressions, total } = await this.suppressions.newest({ search, limit });
    response.setHeader(TOTAL_COUNT, total);
    return suppressions;
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
