import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.module';
import { ApiError } from '../http/api-error.decorator';
import { WhenRedisDown } from '../redis/redis.module';
import { ProviderActivityDto } from './dto/provider-activity.dto';
import { ProviderStatusDto } from './dto/provider-status.dto';
import { ProviderRouter } from '../routing/routing.module';

const NAME = { name: 'name', description: 'A provider of MAIL_PROVIDERS, such as `sendgrid`.', schema: { type: 'string' } };
const UNKNOWN = 'No configured provider has this name.';
const UNKNOWN_EXAMPLE = 'No provider named postmark; configured: sendgrid, mailgun';

@ApiTags('providers')
@AdminOnly()
@Controller('v1/providers')
export class ProvidersController {
  constructor(private readonly router: ProviderRouter) {}

  /** Every configured provider in priority order, with its switch, breaker and recent results. */
  @Get()
  @WhenRedisDown("The providers' states cannot be read while Redis is unreachable; try again.")
  @ApiOkResponse({ type: [ProviderStatusDto] })
  listProviders(): Promise<ProviderStatusDto[]> {
    return this.router.statuses();
  }

  /** Every configured provider in priority order, with what it sent and what failed each minute of the last hour. */
  @Get('activity')
  @WhenRedisDown("The providers' activity cannot be read while Redis is unreachable; try again.")
  @ApiOkResponse({ type: [ProviderActivityDto] })
  listProviderActivity(): Promise<ProviderActivityDto[]> {
    return this.router.activity();
  }

  /** Takes a provider out of rotation on every worker, e.g. when its account has run out of credit. */
  @Post(':name/disable')
  @HttpCode(HttpStatus.OK)
  @WhenRedisDown('The provider was not disabled: Redis, which shares the switch, is unreachable; try again.')
  @ApiOkResponse({ type: ProviderStatusDto })
  @ApiParam(NAME)
  @ApiError(404, UNKNOWN, UNKNOWN_EXAMPLE)
  disableProvider(@Param('name') name: string): Promise<ProviderStatusDto> {
    return this.router.disable(name);
  }

  /** Puts a provider back into rotation on every worker. */
  @Post(':name/enable')
  @HttpCode(HttpStatus.OK)
  @WhenRedisDown('The provider was not enabled: Redis, which shares the switch, is unreachable; try again.')
  @ApiOkResponse({ type: ProviderStatusDto })
  @ApiParam(NAME)
  @ApiError(404, UNKNOWN, UNKNOWN_EXAMPLE)
  enableProvider(@Param('name') name: string): Promise<ProviderStatusDto> {
    return this.router.enable(name);
  }
}
