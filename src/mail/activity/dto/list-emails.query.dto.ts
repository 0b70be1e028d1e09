import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageLimit } from '../../../common/page-limit.decorator';
import { EMAIL_STATUSES, EmailStatus } from '../../messages/messages.module';

export const DEFAULT_PAGE = 20;

/**
 * Filters for listing messages; all optional, combined with AND. No filter has an example in the document:
 * Swagger UI fills a parameter's example in, and "Try it out" would then list only what matches them all.
 */
export class ListEmailsQueryDto {
  @ApiPropertyOptional({ enum: EMAIL_STATUSES, enumName: 'EmailStatus' })
  @IsOptional()
  @IsIn(EMAIL_STATUSES)
  status?: EmailStatus;

  /** Messages carrying this tag, e.g. `order-shipped`. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'tag must be 1-64 characters of A-Z a-z 0-9 _ . : -' })
  tag?: string;

  /** Messages with this address among to, cc or bcc. */
  @IsOptional()
  @IsEmail({ allow_utf8_local_part: true })
  to?: string;

  /** Messages from this sender address. */
  @IsOptional()
  @IsEmail({ allow_utf8_local_part: true })
  from?: string;

  /** Messages whose subject contains these words (whole words; the last may be a prefix), e.g. `order ship`. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  subject?: string;

  /** Copies of this message, sent again with `POST /v1/emails/{id}/resend`. */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('4', { message: 'resentFrom must be a UUID' })
  resentFrom?: string;

  /** Created at or after this time, e.g. `2026-11-01T00:00:00Z`. */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** Created at or before this time. */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  /** Page size. */
  @PageLimit(100, DEFAULT_PAGE)
  limit?: number;

  /** `nextCursor` from the previous page: opaque, and its format may change between versions. */
  @IsOptional()
  @IsString()
  cursor?: string;
}
