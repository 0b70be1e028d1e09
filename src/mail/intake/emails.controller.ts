import {
  BadRequestException,
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Res,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiExtraModels, ApiHeader, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, Principal } from '../../auth/auth.module';
import { ApiError } from '../../http/api-error.decorator';
import { addToRequestLog } from '../../logging/logging.module';
import { WhenRedisDown } from '../../redis/redis.module';
import { ActivityService, ApiEmailId, CONTENT_GONE, EMAIL_ID } from '../activity/activity.module';
import { AcceptedEmailDto, BatchItemAcceptedDto, BatchItemRefusedDto } from './dto/accepted-email.dto';
import { AddressObjectDto, SendEmailDto } from './dto/send-email.dto';
import { KEY_REUSED } from './idempotency.store';
import { BatchItemResult, IntakeService, MAX_BATCH, NOT_RESENDABLE } from './intake.service';
import { NOT_STORED } from './message.writer';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const IDEMPOTENCY_KEY_REFUSED = 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description:
    'Repeat a request safely: for 24 hours the same key with the same body returns the original answer and ' +
    'sends nothing new; with a different body it is a 409. Use one key per message you mean to send, such ' +
    'as `order-1042-shipped`.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY.source },
};

/**
 * What Swagger UI pre-fills for "Try it out": a message the service accepts as it is (the fields' own
 * examples together would schedule it for a date long past).
 */
const MESSAGE = {
  from: 'Acme <app@example.com>',
  to: ['ann@example.com'],
  subject: 'Your order has shipped',
  text: 'Hello Ann, your order is on its way.',
  tags: ['order-shipped'],
  metadata: { orderId: '1042' },
};

const TOO_LARGE = 'request entity too large';

const ACCEPTED = {
  type: AcceptedEmailDto,
  description: 'Stored and queued (or scheduled).',
  headers: { Location: { description: 'The message: `/v1/emails/{id}`.', required: true, schema: { type: 'string' } } },
};
const SENDER_REFUSED = 'from ceo@elsewhere.example is not an allowed sender for this API key';
const SUPPRESSED = 'A recipient is on the suppression list; nothing was stored.';
const SUPPRESSED_EXAMPLE = [
  'to[0] gone@example.com is on the suppression list (hard_bounce reported by sendgrid); an admin key may send with "allowSuppressed": true',
];

@ApiTags('emails')
@ApiExtraModels(AddressObjectDto, BatchItemAcceptedDto, BatchItemRefusedDto)
@ApiHeader(IDEMPOTENCY_HEADER)
@Controller('v1/emails')
export class EmailsController {
  constructor(
    private readonly intake: IntakeService,
    private readonly activity: ActivityService,
  ) {}

  /**
   * Accepts a message for delivery. The answer comes only after the message is stored, so a 202 means
   * mailroute will either deliver it or report why it could not.
   */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @WhenRedisDown(NOT_STORED)
  @ApiAcceptedResponse(ACCEPTED)
  @ApiError(400, 'Invalid input: one line per bad field.', ['to[0] has an invalid email address "ann@"', 'subject must be a string'])
  @ApiError(403, 'The sender is not allowed for this API key, or `allowSuppressed` without the admin scope.', [SENDER_REFUSED])
  @ApiError(409, 'The Idempotency-Key was used with another body.', KEY_REUSED)
  @ApiError(413, 'The body is larger than HTTP_BODY_LIMIT, or a part of it over its own limit.', TOO_LARGE)
  @ApiError(422, SUPPRESSED, SUPPRESSED_EXAMPLE)
  @ApiBody({ type: SendEmailDto, examples: { message: { summary: 'A message', value: MESSAGE } } })
  async sendEmail(
    // Validated by IntakeService.accept, which says why the route skips the global pipe.
    @Body() body: unknown,
    @Caller() caller: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AcceptedEmailDto> {
    return located(response, await this.intake.accept(body, caller, checkedKey(idempotencyKey)));
  }

  /**
   * Sends a message again: a new message, sent now as this key's, with the original's envelope, headers,
   * tags, metadata and bodies, whose `resentFrom` names the original. It is checked as a new message is;
   * a message with attachments cannot be copied, nor one whose bodies are no longer kept.
   */
  @Post(':id/resend')
  @HttpCode(HttpStatus.ACCEPTED)
  @WhenRedisDown(NOT_STORED)
  @ApiAcceptedResponse({ ...ACCEPTED, description: 'The copy is stored and queued.' })
  @ApiEmailId('The id is not a mailroute id (a UUID), or the Idempotency-Key is malformed.')
  @ApiError(403, 'The original\'s sender is not allowed for this API key.', [SENDER_REFUSED])
  @ApiError(409, 'The message has attachments, which are not kept to send again; or the Idempotency-Key was used with another message.', NOT_RESENDABLE)
  @ApiError(410, 'The message is known, but its bodies are no longer kept.', CONTENT_GONE)
  @ApiError(422, SUPPRESSED, SUPPRESSED_EXAMPLE)
  async resendEmail(
    @Param('id', EMAIL_ID) id: string,
    @Caller() caller: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AcceptedEmailDto> {
    const key = checkedKey(idempotencyKey);
    const { record, content } = await this.activity.withContent(id, caller);
    return located(response, await this.intake.resend(record, content, caller, key));
  }

  /**
   * Up to 500 messages in one request. Each is validated on its own: the answer lists, per item, the new
   * id or the item's field errors, and the valid ones are stored and queued together.
   */
  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @WhenRedisDown(NOT_STORED)
  @ApiBody({
    type: [SendEmailDto],
    description: `An array of 1 to ${MAX_BATCH} messages.`,
    examples: { messages: { summary: 'Two messages', value: [MESSAGE, { ...MESSAGE, to: ['bob@example.com'] }] } },
  })
  @ApiAcceptedResponse({
    description:
      'At least one item was accepted: per item, in order, its new id or why it was refused (invalid fields, a ' +
      'sender this API key may not use, a suppressed recipient, `allowSuppressed` without the admin scope, a part ' +
      'over its own limit).',
    schema: {
      type: 'array',
      items: { oneOf: [{ $ref: getSchemaPath(BatchItemAcceptedDto) }, { $ref: getSchemaPath(BatchItemRefusedDto) }] },
    },
  })
  // No 403: a sender the key may not use, or `allowSuppressed` without the admin scope, is its item's refusal.
  @ApiError(400, `No item was accepted (each one's refusals, by index), or the body is not an array of 1 to ${MAX_BATCH}.`, [
    '[0] to has an invalid email address "bob@"',
  ])
  @ApiError(409, 'The Idempotency-Key was used with another body.', KEY_REUSED)
  @ApiError(413, 'The body is larger than HTTP_BODY_LIMIT (a message over its own limits is its item\'s refusal).', TOO_LARGE)
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

/** The new message's id in the request log and in `Location`. */
function located(response: Response, accepted: AcceptedEmailDto): AcceptedEmailDto {
  addToRequestLog(response, { emailId: accepted.id });
  response.location(`/v1/emails/${accepted.id}`);
  return { id: accepted.id, status: accepted.status };
}

function checkedKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new BadRequestException([IDEMPOTENCY_KEY_REFUSED]);
  }
  return key;
}
