import { ApiProperty } from '@nestjs/swagger';
import { EMAIL_STATUSES, EVENT_TYPES, EmailStatus, EventType } from '../../messages/messages.module';

export class AddressDto {
  /** @example "ann@example.com" */
  email: string;
  /** @example "Ann Müller" */
  name?: string;
}

export class AttachmentInfoDto {
  /** @example "invoice-1042.pdf" */
  filename: string;
  /** @example "application/pdf" */
  contentType: string;
  /** Bytes, decoded. @example 48213 */
  size: number;
  /** @example "logo" */
  contentId?: string;
}

export class ErrorDetailDto {
  /**
   * `transient`: the provider could not send at that moment; `permanent`: it refused the message.
   * @example "transient"
   */
  type: 'transient' | 'permanent';
  /** The provider's own words, without credentials. @example "connect ECONNREFUSED 127.0.0.1:587" */
  message: string;
}

export class AttemptDto {
  /** @example "outbox" */
  provider: string;
  /** Delivery round the attempt belongs to (1 = first); each round tries the providers in order. @example 1 */
  round: number;
  /** @example "2026-11-23T10:15:30.120Z" */
  startedAt: string;
  /** @example 12 */
  durationMs: number;
  /** @example "sent" */
  outcome: 'sent' | 'failed';
  /** @example "<3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44@example.com>" */
  providerMessageId?: string;
  /** The provider's own answer, when it gives one. @example "250 2.0.0 OK: queued as 4Xk9Q2" */
  response?: string;
  error?: ErrorDetailDto;
}

export class EmailDto {
  /** @example "3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44" */
  id: string;
  /** scheduled → queued → sending → sent; failed when no provider could send it; cancelled on request. */
  @ApiProperty({ enum: EMAIL_STATUSES, example: 'sent' })
  status: EmailStatus;
  from: AddressDto;
  to: AddressDto[];
  cc: AddressDto[];
  bcc: AddressDto[];
  replyTo?: AddressDto;
  /** @example "Your order has shipped 📦" */
  subject: string;
  /** When a scheduled message is due. @example "2026-11-24T09:00:00.000Z" */
  sendAt?: string;
  /** The attachments, without their bytes. */
  attachments: AttachmentInfoDto[];
  /** @example ["order-shipped"] */
  tags: string[];
  /** @example { "orderId": "1042" } */
  metadata: Record<string, string>;
  /** @example "2026-11-23T10:15:30.100Z" */
  createdAt: string;
  /** @example "2026-11-23T10:15:30.140Z" */
  updatedAt: string;
  /** The provider that accepted the message. @example "outbox" */
  provider?: string;
  /** The accepting provider's id for the message. */
  providerMessageId?: string;
  /** Every try of every provider, oldest first. */
  attempts: AttemptDto[];
  /** Why the message failed, when it did. */
  error?: ErrorDetailDto;
}

export class EmailEventDto {
  @ApiProperty({ enum: EVENT_TYPES, example: 'attempt_failed' })
  type: EventType;
  /** @example "2026-11-23T10:15:30.120Z" */
  at: string;
  /** @example "sendgrid" */
  provider?: string;
  /** @example "sendgrid answered HTTP 503: Service Unavailable" */
  detail?: string;
}

export class EmailListDto {
  /** Newest first. */
  data: EmailDto[];
  /** Pass as `cursor` for the next page; null when there is none. */
  @ApiProperty({ type: String, nullable: true, example: 'MTc2Mzg5MjcwMDAwMDozZjBjOWEyZS0...' })
  nextCursor: string | null;
}
