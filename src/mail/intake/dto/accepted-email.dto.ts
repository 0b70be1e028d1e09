import { ApiProperty } from '@nestjs/swagger';
import { EMAIL_STATUSES, EmailStatus } from '../../messages/messages.module';

export class AcceptedEmailDto {
  /** @example "3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44" */
  id: string;
  @ApiProperty({ enum: EMAIL_STATUSES, example: 'queued' })
  status: EmailStatus;
}

export class BatchItemResultDto {
  /** Position of the item in the request. @example 0 */
  index: number;
  /** The accepted message's id. @example "3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44" */
  id?: string;
  @ApiProperty({ enum: EMAIL_STATUSES, required: false, example: 'queued' })
  status?: EmailStatus;
  /** Why this item was refused: one line per bad field. @example ["to has an invalid email address \"bob@\""] */
  errors?: string[];
}
