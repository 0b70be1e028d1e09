import { ApiProperty } from '@nestjs/swagger';
import { EMAIL_STATUSES, EmailStatus } from '../email-record';

export class AddressDto {
  /** @example "ann@example.com" */
  email: string;
  /** @example "Ann Müller" */
  name?: string;
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
  /** queued → sending → sent, or failed when no provider could send it. */
  @ApiProperty({ enum: EMAIL_STATUSES, example: 'sent' })
  status: EmailStatus;
  from: AddressDto;
  to: AddressDto[];
  cc: AddressDto[];
  bcc: AddressDto[];
  replyTo?: AddressDto;
  /** @example "Your order has shipped 📦" */
  subject: string;
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

export class AcceptedEmailDto {
  /** @example "3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44" */
  id: string;
  @ApiProperty({ enum: EMAIL_STATUSES, example: 'queued' })
  status: EmailStatus;
}
