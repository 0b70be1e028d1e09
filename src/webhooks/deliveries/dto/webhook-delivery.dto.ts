import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'WebhookDeliveryAttempt' })
export class DeliveryAttemptDto {
  /** @example "2026-11-23T10:15:31.000Z" */
  @ApiProperty({ format: 'date-time' })
  at: string;
  /** The receiver's HTTP status. @example 500 */
  @ApiProperty({ type: 'integer', required: false })
  status?: number;
  /** Why there was no answer, or why the answer failed the delivery (a redirect). @example "fetch failed" */
  error?: string;
}

@ApiSchema({ name: 'WebhookDelivery' })
export class WebhookDeliveryDto {
  /** @example "0d9e4a35-2f6b-4b8e-9a1c-7d5e3f2a1b0c" */
  @ApiProperty({ format: 'uuid' })
  id: string;
  /** @example "email.sent" */
  type: string;
  /** @example "3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44" */
  @ApiProperty({ format: 'uuid' })
  emailId: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'], enumName: 'WebhookDeliveryStatus', example: 'delivered' })
  status: 'pending' | 'delivered' | 'failed';
  /** @example "2026-11-23T10:15:30.500Z" */
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  /** The exact JSON body that was posted and signed. */
  payload: string;
  attempts: DeliveryAttemptDto[];
}
