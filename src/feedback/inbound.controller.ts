import {
  ConflictException,
  Controller,
  ForbiddenException,
  Headers,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Post,
  RawBodyRequest,
  Req,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ProviderWebhook, Public, TOO_MANY } from '../auth/auth.module';
import { AppConfig } from '../config/config.module';
import { ApiError } from '../http/api-error.decorator';
import { WhenRedisDown } from '../redis/redis.module';
import { ProviderFeedback, ProviderFeedbackRecorder } from '../mail/suppressions/suppressions.module';
import { MailgunWebhookDto } from './dto/mailgun-webhook.dto';
import { RecordedEventsDto } from './dto/recorded-events.dto';
import { SendGridEventDto } from './dto/sendgrid-event.dto';
import { mailgunFeedback, readMailgunWebhook, verifyMailgun } from './mailgun-events';
import { SeenIdKind, SeenIdStore } from './seen-ids.store';
import {
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  readSendGridBatch,
  sendGridFeedback,
  verifySendGrid,
} from './sendgrid-events';
import { FRESHNESS_SECONDS, isFresh } from './signed-timestamp';

const FORGED = 'The webhook signature does not verify.';
const STALE = `The webhook timestamp is not within ${FRESHNESS_SECONDS / 60} minutes of now.`;
const REPLAYED = 'This Mailgun webhook token was already used; each signed call is accepted once.';
const SENDGRID_OFF = 'SendGrid event webhooks are not configured (SENDGRID_WEBHOOK_PUBLIC_KEY)';
const MAILGUN_OFF = 'Mailgun webhooks are not configured (MAILGUN_WEBHOOK_SIGNING_KEY)';

/** An event with the id that makes it once-only: its SendGrid sg_event_id, or its Mailgun call's token. */
interface IdentifiedFeedback {
  eventId: string;
  feedback: ProviderFeedback;
}

/**
 * The providers' event webhooks. They carry the provider's signature rather than an API key; an
 * endpoint whose verification key is not configured does not exist. A signed call is taken only while
 * its timestamp is fresh, and only once.
 */
@ApiTags('inbound')
@ApiOkResponse({ type: RecordedEventsDto })
@ApiError(400, 'The payload is malformed: one line per bad field.', ['event-data.recipient must be one email address of at most 254 characters'])
@ApiError(403, 'The signature does not verify, or its timestamp is not fresh.', FORGED)
@ApiError(413, 'The body is larger than HTTP_BODY_LIMIT.', 'request entity too large')
@ApiError(429, 'Over INBOUND_RATE_LIMIT for this provider and client address; see Retry-After.', TOO_MANY)
@Public()
@ProviderWebhook()
@Controller('v1/inbound')
export class InboundController {
  constructor(
    private readonly feedback: ProviderFeedbackRecorder,
    private readonly seen: SeenIdStore,
    private readonly config: AppConfig,
  ) {}

  /**
   * SendGrid's Signed Event Webhook (a JSON array of events): delivered, bounce, dropped and spamreport
   * are recorded; verified with SENDGRID_WEBHOOK_PUBLIC_KEY. An event whose `sg_event_id` was already
   * taken is skipped, and the batch still answered 200, since SendGrid retries whole batches.
   */
  @Post('sendgrid')
  @HttpCode(HttpStatus.OK)
  @WhenRedisDown('The events were not recorded: Redis is unreachable; send them again.')
  @ApiBody({ type: [SendGridEventDto] })
  @ApiHeader({
    name: 'X-Twilio-Email-Event-Webhook-Signature',
    required: true,
    description: "SendGrid's ECDSA signature (base64) of the timestamp header followed by the raw body.",
    schema: { type: 'string' },
  })
  @ApiHeader({
    name: 'X-Twilio-Email-Event-Webhook-Timestamp',
    required: true,
    description: `Seconds since 1970, covered by the signature; refused when not within ${FRESHNESS_SECONDS / 60} minutes of now.`,
    schema: { type: 'string' },
  })
  @ApiError(404, 'SENDGRID_WEBHOOK_PUBLIC_KEY is not configured.', SENDGRID_OFF)
  async receiveSendGridEvents(
    @Req() request: RawBodyRequest<Request>,
    @Headers(SENDGRID_SIGNATURE_HEADER) signature = '',
    @Headers(SENDGRID_TIMESTAMP_HEADER) timestamp = '',
  ): Promise<RecordedEventsDto> {
    const key = this.config.inbound.sendgridPublicKey;
    if (!key) throw new NotFoundException(SENDGRID_OFF);
    if (!request.rawBody || !verifySendGrid(key, signature, timestamp, request.rawBody)) throw new ForbiddenException(FORGED);
    if (!isFresh(timestamp)) throw new ForbiddenException(STALE);
    const tracked = sendGridFeedback(readSendGridBatch(request.body));
    const fresh = await this.seen.firstSightings('sendgrid-event', tracked.map(({ eventId }) => eventId));
    // Deleting as it goes: an event repeated within the batch is recorded once.
    return this.recordOnce('sendgrid-event', tracked.filter(({ eventId }) => fresh.delete(eventId)));
  }

  /**
   * A Mailgun webhook call (JSON with `signature` and `event-data`): delivered, permanent failures and
   * complaints are recorded; verified with MAILGUN_WEBHOOK_SIGNING_KEY. Each token is accepted once: a
   * repeat is 409, since the signature, which covers only timestamp and token, could carry any event.
   */
  @Post('mailgun')
  @HttpCode(HttpStatus.OK)
  @WhenRedisDown('The event was not recorded: Redis is unreachable; send it again.')
  @ApiBody({ type: MailgunWebhookDto })
  @ApiError(404, 'MAILGUN_WEBHOOK_SIGNING_KEY is not configured.', MAILGUN_OFF)
  @ApiError(409, 'The token was already used.', REPLAYED)
  async receiveMailgunEvent(@Req() request: Request): Promise<RecordedEventsDto> {
    const key = this.config.inbound.mailgunSigningKey;
    if (!key) throw new NotFoundException(MAILGUN_OFF);
    const { signature, 'event-data': data } = readMailgunWebhook(request.body);
    if (!verifyMailgun(key, signature)) throw new ForbiddenException(FORGED);
    if (!isFresh(signature.timestamp)) throw new ForbiddenException(STALE);
    const { token } = signature;
    if (!(await this.seen.firstSightings('mailgun-token', [token])).has(token)) throw new ConflictException(REPLAYED);
    return this.recordOnce('mailgun-token', mailgunFeedback(data).map((feedback) => ({ eventId: token, feedback })));
  }

  /**
   * Records the events in order. When one fails, its id and those after it are made new again, so that
   * the provider's retry records what this call could not.
   */
  private async recordOnce(kind: SeenIdKind, events: IdentifiedFeedback[]): Promise<RecordedEventsDto> {
    for (const [index, { feedback }] of events.entries()) {
      try {
        await this.feedback.record(feedback);
      } catch (error) {
        // The recording's error is the answer; if Redis is what failed, the ids expire with the window anyway.
        await this.seen.forget(kind, events.slice(index).map(({ eventId }) => eventId)).catch(() => undefined);
        throw error;
      }
    }
    return { recorded: events.length };
  }
}
