import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { WhenRedisDown } from '../redis/redis.module';
import { Caller, Principal } from '../auth/auth.module';
import { AcceptedEmailDto, BatchItemResultDto, EmailDto, EmailEventDto, EmailListDto } from './dto/email.dto';
import { ListEmailsQueryDto } from './dto/list-emails.query.dto';
import { ErrorResponseDto } from './dto/error-response.dto';
import { AddressObjectDto, SendEmailDto } from './dto/send-email.dto';
import { EmailRecord } from './email-record';
import { BatchItemResult, MAX_BATCH, MailService, NOT_STORED } from './mail.service';

@ApiTags('emails')
@ApiBearerAuth()
@ApiExtraModels(AddressObjectDto)
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No API key, or an unknown one.' })
@ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Over API_RATE_LIMIT; see Retry-After.' })
@ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Redis is unreachable; nothing was stored.' })
@Controller('v1/emails')
export class EmailsController {
  constructor(
    private readonly mail: MailService,
    /** Adds the message id to this request's log line, which otherwise knows only the request id. */
    private readonly requestLog: PinoLogger,
  ) {}

  private static readonly IDEMPOTENCY_HEADER = {
    name: 'Idempotency-Key',
    required: false,
    description:
      'Repeat a request safely: for 24 hours the same key with the same body returns the original answer and ' +
      'sends nothing new; with a different body it is a 409.',
    example: 'order-1042-shipped',
  };

  /**
   * Accepts a message for delivery. The answer comes only after the message is stored, so a 202 means
   * mailroute will either deliver it or report why it could not.
   */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @WhenRedisDown(NOT_STORED)
  @ApiAcceptedResponse({ type: AcceptedEmailDto, description: 'Stored and queued; `Location` points at the message.' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid input: one line per bad field.' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The sender is not allowed for this API key.' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The Idempotency-Key was used with another body.' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The body is larger than HTTP_BODY_LIMIT.' })
  @ApiHeader(EmailsController.IDEMPOTENCY_HEADER)
  @ApiBody({ type: SendEmailDto })
  async send(
    // Validated by MailService.accept, which says why the route skips the global pipe.
    @Body() body: unknown,
    @Caller() caller: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AcceptedEmailDto> {
    const record = await this.mail.accept(body, caller, checkedKey(idempotencyKey));
    this.requestLog.assign({ emailId: record.email.id });
    response.location(`/v1/emails/${record.email.id}`);
    return { id: record.email.id, status: record.status };
  }

  /**
   * Up to 500 messages in one request. Each is validated on its own: the answer lists, per item, the new
   * id or the item's field errors, and the valid ones are stored and queued together.
   */
  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @WhenRedisDown(NOT_STORED)
  @ApiBody({ type: [SendEmailDto], description: `An array of 1 to ${MAX_BATCH} messages.` })
  @ApiAcceptedResponse({ type: [BatchItemResultDto], description: 'At least one item was accepted.' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'No item was valid, or the body is not an array.' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The Idempotency-Key was used with another body.' })
  @ApiHeader(EmailsController.IDEMPOTENCY_HEADER)
  async sendBatch(
    @Body() items: unknown,
    @Caller() caller: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<BatchItemResult[]> {
    const results = await this.mail.acceptBatch(items, caller, checkedKey(idempotencyKey));
    this.requestLog.assign({ accepted: results.filter((result) => 'id' in result).length, items: results.length });
    return results;
  }

  /** Messages, newest first, filtered and paginated with `cursor`. */
  @Get()
  @WhenRedisDown('Messages cannot be listed while their store (Redis) is unreachable; try again.')
  @ApiOkResponse({ type: EmailListDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A filter or the cursor is not valid.' })
  async list(
    @Query() query: ListEmailsQueryDto,
    @Caller() caller: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<EmailListDto> {
    const { records, nextCursor } = await this.mail.list(query, caller, whileConnected(response));
    return { data: records.map(toEmailDto), nextCursor };
  }

  /** The message, its status and every delivery attempt so far. */
  @Get(':id')
  @WhenRedisDown('The message cannot be read while its store (Redis) is unreachable; try again.')
  @ApiOkResponse({ type: EmailDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a mailroute id (a UUID).' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No message with this id that this API key may see (or it has expired).' })
  async find(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Caller() caller: Principal): Promise<EmailDto> {
    return toEmailDto(await this.mail.find(id, caller));
  }

  /** Everything that happened to the message, oldest first. */
  @Get(':id/events')
  @WhenRedisDown("The message's events cannot be read while their store (Redis) is unreachable; try again.")
  @ApiOkResponse({ type: [EmailEventDto] })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a mailroute id (a UUID).' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No message with this id that this API key may see (or it has expired).' })
  events(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Caller() caller: Principal): Promise<EmailEventDto[]> {
    return this.mail.events(id, caller);
  }

  /** Cancels a scheduled or queued message. */
  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @WhenRedisDown('The message was not cancelled: its store (Redis) is unreachable; try again.')
  @ApiOkResponse({ type: EmailDto, description: 'Cancelled; it will not be sent.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No message with this id that this API key may see (or it has expired).' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The message is already sending, sent, failed or cancelled.' })
  async cancel(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Caller() caller: Principal): Promise<EmailDto> {
    return toEmailDto(await this.mail.cancel(id, caller));
  }
}

/** Aborted when the connection closes before the answer is sent: the client has gone. */
function whileConnected(response: Response): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function checkedKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new BadRequestException(['Idempotency-Key must be 1 to 255 printable ASCII characters without spaces']);
  }
  return key;
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
