import {
  BadRequestException,
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Post,
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
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, Principal } from '../../auth/auth.module';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { addToRequestLog } from '../../logging/logging.module';
import { WhenRedisDown } from '../../redis/redis.module';
import { AcceptedEmailDto, BatchItemResultDto } from './dto/accepted-email.dto';
import { AddressObjectDto, SendEmailDto } from './dto/send-email.dto';
import { BatchItemResult, IntakeService, MAX_BATCH } from './intake.service';
import { NOT_STORED } from './message.writer';

@ApiTags('emails')
@ApiBearerAuth()
@ApiExtraModels(AddressObjectDto)
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No API key, or an unknown one.' })
@ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Over API_RATE_LIMIT; see Retry-After.' })
@ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Redis is unreachable; nothing was stored.' })
@Controller('v1/emails')
export class EmailsController {
  constructor(private readonly intake: IntakeService) {}

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
    // Validated by IntakeService.accept, which says why the route skips the global pipe.
    @Body() body: unknown,
    @Caller() caller: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AcceptedEmailDto> {
    const { id, status } = await this.intake.accept(body, caller, checkedKey(idempotencyKey));
    addToRequestLog(response, { emailId: id });
    response.location(`/v1/emails/${id}`);
    return { id, status };
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
    @Res({ passthrough: true }) response: Response,
  ): Promise<BatchItemResult[]> {
    const results = await this.intake.acceptBatch(items, caller, checkedKey(idempotencyKey));
    addToRequestLog(response, { accepted: results.filter((result) => 'id' in result).length, items: results.length });
    return results;
  }
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function checkedKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new BadRequestException(['Idempotency-Key must be 1 to 255 printable ASCII characters without spaces']);
  }
  return key;
}
