import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { EMAIL_STATUSES, EVENT_TYPES, EmailStatus, EventType } from '../../messages/messages.module';

@ApiSchema({ name: 'Address' })
export class AddressDto {
  /** @example "ann@example.com" */
  email: string;
  /** @example "Ann Müller" */
  name?: string;
}

@ApiSchema({ name: 'AttachmentInfo' })
export class AttachmentInfoDto {
  /** @example "invoice-1042.pdf" */
  filename: string;
  /** @example "application/pdf" */
  contentType: string;
  /** Bytes, decoded. @example 48213 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  size: number;
  /** @example "logo" */
  contentId?: string;
}

@ApiSchema({ name: 'ErrorDetail' })
export class ErrorDetailDto {
  /**
   * `transient`: the provider could not send at that moment; `permanent`: it refused the message.
   * @example "transient"
   */
  @ApiProperty({ enum: ['transient', 'permanent'], enumName: 'FailureType' })
  type: 'transient' | 'permanent';
  /** The provider's own words, without credentials. @example "connect ECONNREFUSED 127.0.0.1:587" */
  message: string;
}

@ApiSchema({ name: 'Attempt' })
export class AttemptDto {
  /** @example "outbox" */
  provider: string;
  /** Delivery round the attempt belongs to (1 = first); each round tries the providers in order. @example 1 */
  @ApiProperty({ type: 'integer', minimum: 1 })
  round: number;
  /** @example "2026-11-23T10:15:30.120Z" */
  @ApiProperty({ format: 'date-time' })
  startedAt: string;
  /** @example 12 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  durationMs: number;
  /** @example "sent" */
  @ApiProperty({ enum: ['sent', 'failed'], enumName: 'AttemptOutcome' })
  outcome: 'sent' | 'failed';
  /** @example "<3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44@example.com>" */
  providerMessageId?: string;
  /** The provider's own answer, when it gives one. @example "250 2.0.0 OK: queued as 4Xk9Q2" */
  response?: string;
  error?: ErrorDetailDto;
}

@ApiSchema({ name: 'Email' })
export class EmailDto {
  /** @example "3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44" */
  @ApiProperty({ format: 'uuid' })
  id: string;
  /** scheduled → queued → sending → sent; failed when no provider could send it; cancelled on request. */
  @ApiProperty({ enum: EMAIL_STATUSES, enumName: 'EmailStatus', example: 'sent' })
  status: EmailStatus;
  from: AddressDto;
  to: AddressDto[];
  cc: AddressDto[];
  bcc: AddressDto[];
  replyTo?: AddressDto;
  /** @example "Your order has shipped 📦" */
  subject: string;
  /** When a scheduled message is due. @example "2026-11-24T09:00:00.000Z" */
  @ApiProperty({ format: 'date-time', required: false })
  sendAt?: string;
  /** The attachments, without their bytes. */
  attachments: AttachmentInfoDto[];
  /** @example ["order-shipped"] */
  tags: string[];
  /** @example { "orderId": "1042" } */
  metadata: Record<string, string>;
  /** @example "2026-11-23T10:15:30.100Z" */
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  /** @example "2026-11-23T10:15:30.140Z" */
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
  /** The provider that accepted the message. @example "outbox" */
  provider?: string;
  /** The accepting provider's id for the message. */
  providerMessageId?: string;
  /** Every try of every provider, oldest first. */
  attempts: AttemptDto[];
  /** Why the message failed, when it did. */
  error?: ErrorDetailDto;
  /**
   * The message this one is a copy of, sent again with `POST /v1/emails/{id}/resend`.
   * @example "8d2f4b1e-6a3c-4e9f-b7d0-2c5a9e1f3b68"
   */
  @ApiProperty({ format: 'uuid', required: false })
  resentFrom?: string;
}

@ApiSchema({ name: 'EmailEvent' })
export class EmailEventDto {
  @ApiProperty({ enum: EVENT_TYPES, enumName: 'EmailEventType', example: 'attempt_failed' })
  type: EventType;
  /** @example "2026-11-23T10:15:30.120Z" */
  @ApiProperty({ format: 'date-time' })
  at: string;
  /** @example "sendgrid" */
  provider?: string;
  /** @example "sendgrid answered HTTP 503: Service Unavailable" */
  detail?: string;
}

@ApiSchema({ name: 'EmailList' })
export class EmailListDto {
  /** Newest first. */
  data: EmailDto[];
  /** Pass as `cursor` for the next page; null when there is none. */
  @ApiProperty({ type: String, nullable: true, example: 'MTc2Mzg5MjcwMDAwMDozZjBjOWEyZS0...' })
  nextCursor: string | null;
}

@ApiSchema({ name: 'EmailContent' })
export class EmailContentDto {
  /** The plain-text body, as it was sent; null when the message had none. @example "Hello Ann, your order is on its way." */
  @ApiProperty({ type: String, nullable: true })
  text: string | null;
  /**
   * The HTML body, as it was sent; null when the message had none. It is the sender's markup: show it only
   * where its scripts cannot run (a sandboxed frame). @example "<p>Hello Ann, your order is on its way.</p>"
   */
  @ApiProperty({ type: String, nullable: true })
  html: string | null;
}
