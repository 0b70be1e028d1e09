import { Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Caller, Principal } from '../../auth/auth.module';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { WhenRedisDown } from '../../redis/redis.module';
import { EmailRecord } from '../messages/messages.module';
import { ActivityService } from './activity.service';
import { EmailDto, EmailEventDto, EmailListDto } from './dto/email.dto';
import { ListEmailsQueryDto } from './dto/list-emails.query.dto';

@ApiTags('emails')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No API key, or an unknown one.' })
@ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Over API_RATE_LIMIT; see Retry-After.' })
@ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Redis, or for messages that have finished PostgreSQL, is unreachable; nothing was read or changed.' })
@Controller('v1/emails')
export class MessagesController {
  constructor(private readonly activity: ActivityService) {}

  /**
   * Messages, newest first, filtered and paginated with `cursor`. Read from the history (PostgreSQL), which
   * learns of a new message within moments of its acceptance (see mailroute_history_lag_seconds).
   */
  @Get()
  @ApiOkResponse({ type: EmailListDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A filter or the cursor is not valid.' })
  async list(
    @Query() query: ListEmailsQueryDto,
    @Caller() caller: Principal,
  ): Promise<EmailListDto> {
    const { records, nextCursor } = await this.activity.list(query, caller);
    return { data: records.map(toEmailDto), nextCursor };
  }

  /** The message, its status and every delivery attempt so far. */
  @Get(':id')
  @WhenRedisDown('The message cannot be read while its store (Redis) is unreachable; try again.')
  @ApiOkResponse({ type: EmailDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a mailroute id (a UUID).' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No message with this id that this API key may see (or it has expired).' })
  async find(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Caller() caller: Principal): Promise<EmailDto> {
    return toEmailDto(await this.activity.find(id, caller));
  }

  /** Everything that happened to the message, oldest first. */
  @Get(':id/events')
  @WhenRedisDown("The message's events cannot be read while their store (Redis) is unreachable; try again.")
  @ApiOkResponse({ type: [EmailEventDto] })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a mailroute id (a UUID).' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No message with this id that this API key may see (or it has expired).' })
  events(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Caller() caller: Principal): Promise<EmailEventDto[]> {
    return this.activity.events(id, caller);
  }

  /** Cancels a scheduled or queued message. */
  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @WhenRedisDown('The message was not cancelled: its store (Redis) is unreachable; try again.')
  @ApiOkResponse({ type: EmailDto, description: 'Cancelled; it will not be sent.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No message with this id that this API key may see (or it has expired).' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The message is already sending, sent, failed or cancelled.' })
  async cancel(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Caller() caller: Principal): Promise<EmailDto> {
    return toEmailDto(await this.activity.cancel(id, caller));
  }
}

function toEmailDto(record: EmailRecord): EmailDto {
  const { email } = record;
  return {
    id: email.id,
    status: record.status,
    from: email.from,
    to: email.to,
    cc: email.cc,
    bcc: email.bcc,
    replyTo: email.replyTo,
    subject: email.subject,
    sendAt: record.sendAt,
    attachments: record.attachments,
    tags: email.tags,
    metadata: email.metadata,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    provider: record.provider,
    providerMessageId: record.providerMessageId,
    attempts: record.attempts,
    error: record.error,
  };
}
