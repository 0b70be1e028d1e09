import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { EMAIL_STATUSES, EmailStatus } from '../../messages/messages.module';

@ApiSchema({ name: 'AcceptedEmail' })
export class AcceptedEmailDto {
  /** @example "3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44" */
  @ApiProperty({ format: 'uuid' })
  id: string;
  /** `queued`, or `scheduled` for a message with `sendAt`; a repeated Idempotency-Key answers the message's status now. */
  @ApiProperty({ enum: EMAIL_STATUSES, enumName: 'EmailStatus', example: 'queued' })
  status: EmailStatus;
}

/** A batch item that was stored and queued. */
@ApiSchema({ name: 'BatchItemAccepted' })
export class BatchItemAcceptedDto extends AcceptedEmailDto {
  /** Position of the item in the request. @example 0 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  index: number;
}

/** A batch item that was refused; nothing was stored for it. */
@ApiSchema({ name: 'BatchItemRefused' })
export class BatchItemRefusedDto {
  /** Position of the item in the request. @example 1 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  index: number;
  /** Why: one line per bad field. @example ["to has an invalid email address \"bob@\""] */
  errors: string[];
}
