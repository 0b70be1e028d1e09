import { ApiProperty } from '@nestjs/swagger';

export class DeliveryAttemptDto {
  /** @example "2026-11-23T10:15:31.000Z" */
  at: string;
  /** The receiver's HTTP status. @example 500 */
  status?: number;
  /** Why there was no answer, or why the answer failed the delivery (a redirect). @example "fetch failed" */
  error?: string;
}

export class WebhookDeliveryDto {
  /** @example "0d9e4a35-2f6b-4b8e-9a1c-7d5e3f2a1b0c" */
  id: string;
  /** @example "email.sent" */
  type: string;
  /** @example "3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44" */
  emailId: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'], example: 'delivered' })
  status: 'pending' | 'delivered' | 'failed';
  /** @example "2026-11-23T10:15:30.500Z" */
  createdAt: string;
  /** The exact JSON body that was posted and signed. */
  payload: string;
  attempts: DeliveryAttemptDto[];
}
