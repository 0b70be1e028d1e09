import { ApiSchema } from '@nestjs/swagger';
import { Expose } from 'class-transformer';
import { IsOptional, IsString, IsUUID, Length, ValidateIf } from 'class-validator';
import { RecipientAddress } from '../recipient-address';

// class-validator runs a property's decorators bottom-up and stops at its first error, so the most basic
// check of each property is the one nearest to it. Property names are SendGrid's, so that a 400 names
// the field as SendGrid sent it.

/**
 * The events whose fields mailroute reads. Only these are checked: a batch also carries opens, clicks and
 * the like, and one odd event of a kind mailroute ignores must not cost the others their delivery.
 */
const RECORDED_EVENTS = new Set(['delivered', 'bounce', 'dropped', 'spamreport']);
const WhenRecorded = () => ValidateIf((event: SendGridEventDto) => RECORDED_EVENTS.has(event.event));

/** One event of SendGrid's batch; only the fields mailroute reads are listed, others are ignored. */
@ApiSchema({ name: 'SendGridEvent' })
export class SendGridEventDto {
  /** @example "bounce" */
  @IsString()
  @Expose()
  event: string;

  /** @example "ann@example.com" */
  @WhenRecorded()
  @RecipientAddress()
  email: string;

  /** Unique per event; a repeat of an id already taken is skipped. @example "ZGVsaXZlcmVkLTAtMjQ" */
  @WhenRecorded()
  @Length(1, 128)
  @IsString()
  @Expose()
  sg_event_id: string;

  /** The message's id, from the custom_args mailroute gave SendGrid. */
  @WhenRecorded()
  @IsOptional()
  @IsUUID('all', { message: 'mailroute_id must be the id of a mailroute message' })
  @Expose()
  mailroute_id?: string;

  /** For `bounce`: `bounce` (the address is bad) or `blocked` (refused for now). */
  @WhenRecorded()
  @IsOptional()
  @IsString()
  @Expose()
  type?: string;

  /** @example "550 5.1.1 The email account that you tried to reach does not exist" */
  @WhenRecorded()
  @IsOptional()
  @IsString()
  @Expose()
  reason?: string;
}
