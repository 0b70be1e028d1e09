import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Caller, Principal } from '../../auth/auth.module';
import { ApiError } from '../../http/api-error.decorator';
import { WhenRedisDown } from '../../redis/redis.module';
import { EmailRecord } from '../messages/messages.module';
import { ActivityService, CONTENT_GONE, HISTORY_UNREACHABLE } from './activity.service';
import { EmailContentDto, EmailDto, EmailEventDto, EmailListDto } from './dto/email.dto';
import { ListEmailsQueryDto } from './dto/list-emails.query.dto';
import { ApiEmailId, EMAIL_ID } from './email-id.param';

@ApiTags('emails')
@Controller('v1/emails')
export class MessagesController {
  constructor(private readonly activity: ActivityService) {}

  /**
   * Messages, newest first, filtered and paginated with `cursor`. Read from the history (PostgreSQL), which
   * learns of a new message within moments of its acceptance (see mailroute_history_lag_seconds).
   */
  @Get()
  @ApiOkResponse({ type: EmailListDto })
  @ApiError(400, 'A filter or the cursor is not valid.', ['limit must not be greater than 100'])
  @ApiError(503, 'Redis, or PostgreSQL, is unreachable; nothing was read.', HISTORY_UNREACHABLE)
  async listEmails(
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
  @ApiEmailId()
  async getEmail(@Param('id', EMAIL_ID) id: string, @Caller() caller: Principal): Promise<EmailDto> {
    return toEmailDto(await this.activity.find(id, caller));
  }

  /** Everything that happened to the message, oldest first. */
  @Get(':id/events')
  @WhenRedisDown("The message's events cannot be read while their store (Redis) is unreachable; try again.")
  @ApiOkResponse({ type: [EmailEventDto] })
  @ApiEmailId()
  listEmailEvents(@Param('id', EMAIL_ID) id: string, @Caller() caller: Principal): Promise<EmailEventDto[]> {
    return this.activity.events(id, caller);
  }

  /**
   * The text and HTML bodies as they were sent, while they are kept: until the message is final, then
   * MAIL_BODY_RETENTION_DAYS. Attachments' bytes are kept only until the message is final, and are not served.
   */
  @Get(':id/content')
  @WhenRedisDown("The message's bodies cannot be read while its store (Redis) is unreachable; try again.")
  @ApiOkResponse({ type: EmailContentDto })
  @ApiEmailId()
  @ApiError(410, 'The message is known, but its bodies are no longer kept.', CONTENT_GONE)
  getEmailContent(@Param('id', EMAIL_ID) id: string, @Caller() caller: Principal): Promise<EmailContentDto> {
    return this.activity.content(id, caller);
  }

  /** Cancels a scheduled or queued message. */
  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @WhenRedisDown('The message was not cancelled: its store (Redis) is unreachable; try again.')
  @ApiOkResponse({ type: EmailDto, description: 'Cancelled; it will not be sent.' })
  @ApiEmailId()
  @ApiError(409, 'The message is already sending, sent, failed or cancelled.', 'The email is sent and can no longer be cancelled.')
  async cancelEmail(@Param('id', EMAIL_ID) id: string, @Caller() caller: Principal): Promise<EmailDto> {
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
    resentFrom: record.resentFrom,
  };
}
