import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
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
import { Caller, Principal } from '../auth/auth.module';
import { AcceptedEmailDto, EmailDto } from './dto/email.dto';
import { ErrorResponseDto } from './dto/error-response.dto';
import { AddressObjectDto, SendEmailDto } from './dto/send-email.dto';
import { EmailRecord } from './email-record';
import { MailService } from './mail.service';

@ApiTags('emails')
@ApiBearerAuth()
@ApiExtraModels(AddressObjectDto)
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No API key, or an unknown one.' })
@ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Over API_RATE_LIMIT; see Retry-After.' })
@ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Redis is unreachable; nothing was stored.' })
@Controller('v1/emails')
export class EmailsController {
  constructor(private readonly mail: MailService) {}

  /**
   * Accepts a message for delivery. The answer comes only after the message is stored, so a 202 means
   * mailroute will either deliver it or report why it could not.
   */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: AcceptedEmailDto, description: 'Stored and queued; `Location` points at the message.' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid input: one line per bad field.' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The sender is not allowed for this API key.' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The body is larger than HTTP_BODY_LIMIT.' })
  async send(
    @Body() body: SendEmailDto,
    @Caller() caller: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AcceptedEmailDto> {
    const record = await this.mail.accept(body, caller);
    response.location(`/v1/emails/${record.email.id}`);
    return { id: record.email.id, status: record.status };
  }

  /** The message, its status and every delivery attempt so far. */
  @Get(':id')
  @ApiOkResponse({ type: EmailDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a mailroute id (a UUID).' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No message with this id (or it has expired).' })
  async find(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<EmailDto> {
    return toEmailDto(await this.mail.find(id));
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
