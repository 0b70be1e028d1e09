import {
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
import { ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ProviderWebhook, Public } from '../auth/auth.module';
import { AppConfig } from '../config/config.module';
import { ProviderFeedback, ProviderFeedbackRecorder } from '../mail/mail.module';
import { mailgunFeedback, verifyMailgun } from './mailgun-events';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, sendGridFeedback, verifySendGrid } from './sendgrid-events';

const FORGED = 'The webhook signature does not verify.';

/**
 * The providers' event webhooks. They carry the provider's signature rather than an API key; an
 * endpoint whose verification key is not configured does not exist.
 */
@ApiTags('inbound')
@ApiForbiddenResponse({ description: 'The signature does not verify.' })
@ApiNotFoundResponse({ description: "The provider's verification key is not configured." })
@ApiOkResponse({ description: 'How many events were recorded.', schema: { example: { recorded: 1 } } })
@Public()
@ProviderWebhook()
@Controller('v1/inbound')
export class InboundController {
  constructor(
    private readonly feedback: ProviderFeedbackRecorder,
    private readonly config: AppConfig,
  ) {}

  /**
   * SendGrid's Signed Event Webhook (a JSON array of events): delivered, bounce, dropped and spamreport
   * are recorded; verified with SENDGRID_WEBHOOK_PUBLIC_KEY.
   */
  @Post('sendgrid')
  @HttpCode(HttpStatus.OK)
  async sendgrid(
    @Req() request: RawBodyRequest<Request>,
    @Headers(SENDGRID_SIGNATURE_HEADER) signature = '',
    @Headers(SENDGRID_TIMESTAMP_HEADER) timestamp = '',
  ): Promise<{ recorded: number }> {
    const key = this.config.inbound.sendgridPublicKey;
    if (!key) throw new NotFoundException('SendGrid event webhooks are not configured (SENDGRID_WEBHOOK_PUBLIC_KEY)');
    if (!request.rawBody || !verifySendGrid(key, signature, timestamp, request.rawBody)) throw new ForbiddenException(FORGED);
    return this.record(sendGridFeedback(request.body));
  }

  /**
   * A Mailgun webhook call (JSON with `signature` and `event-data`): delivered, permanent failures and
   * complaints are recorded; verified with MAILGUN_WEBHOOK_SIGNING_KEY.
   */
  @Post('mailgun')
  @HttpCode(HttpStatus.OK)
  async mailgun(@Req() request: Request): Promise<{ recorded: number }> {
    const key = this.config.inbound.mailgunSigningKey;
    if (!key) throw new NotFoundException('Mailgun webhooks are not configured (MAILGUN_WEBHOOK_SIGNING_KEY)');
    if (!verifyMailgun(key, request.body)) throw new ForbiddenException(FORGED);
    return this.record(mailgunFeedback(request.body));
  }

  private async record(events: ProviderFeedback[]): Promise<{ recorded: number }> {
    for (const event of events) await this.feedback.record(event);
    return { recorded: events.length };
  }
}
