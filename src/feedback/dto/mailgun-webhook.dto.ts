import { ApiSchema } from '@nestjs/swagger';
import { Expose, Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, IsUUID, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { RecipientAddress } from '../recipient-address';
import { WHOLE_SECONDS } from '../signed-timestamp';

// class-validator runs a property's decorators bottom-up and stops at its first error, so the most basic
// check of each property is the one nearest to it. Property names are Mailgun's, so that a 400 names
// the field as Mailgun sent it.

/** The events whose fields mailroute reads; any other is answered without looking further. */
const RECORDED_EVENTS = new Set(['delivered', 'failed', 'complained']);
const WhenRecorded = () => ValidateIf((data: MailgunEventDataDto) => RECORDED_EVENTS.has(data.event));

/** Mailgun's signature: hex HMAC-SHA256 of timestamp followed by token. */
@ApiSchema({ name: 'MailgunSignature' })
export class MailgunSignatureDto {
  /** Seconds since 1970, digits only. @example "1790000000" */
  @Matches(WHOLE_SECONDS, { message: 'timestamp must be whole seconds since 1970, digits only' })
  @IsString()
  @Expose()
  timestamp: string;

  /**
   * Random, different for every call; a token is accepted once.
   * @example "c1e94ab8ce2d0e3d3e2bd0c4a1d8c07e3ff0d6e2e6e3b0f4a8"
   */
  @Length(1, 256)
  @IsString()
  @Expose()
  token: string;

  /** @example "4b5e7cf7d8a5c51ad3cd1c3b5c8de8e2c1bbdfa6b6e0b8a5cdb3c0c1f3e0f1a2" */
  @Matches(/^[0-9a-f]{64}$/i, { message: 'signature must be 64 hexadecimal digits' })
  @IsString()
  @Expose()
  signature: string;
}

@ApiSchema({ name: 'MailgunDeliveryStatus' })
export class MailgunDeliveryStatusDto {
  /** @example "550 5.1.1 The email account that you tried to reach does not exist" */
  @IsOptional()
  @IsString()
  @Expose()
  description?: string;

  @IsOptional()
  @IsString()
  @Expose()
  message?: string;
}

@ApiSchema({ name: 'MailgunUserVariables' })
export class MailgunUserVariablesDto {
  /** The message's id, as mailroute gave it to Mailgun. */
  @IsOptional()
  @IsUUID('all', { message: 'mailroute-id must be the id of a mailroute message' })
  @Expose()
  'mailroute-id'?: string;
}

@ApiSchema({ name: 'MailgunEventData' })
export class MailgunEventDataDto {
  /** @example "complained" */
  @IsString()
  @Expose()
  event: string;

  /** For `failed`: `permanent` or `temporary`. */
  @WhenRecorded()
  @IsOptional()
  @IsString()
  @Expose()
  severity?: string;

  /** @example "ann@example.com" */
  @WhenRecorded()
  @RecipientAddress()
  recipient: string;

  @WhenRecorded()
  @IsOptional()
  @IsString()
  @Expose()
  reason?: string;

  @WhenRecorded()
  @IsOptional()
  @ValidateNested()
  @IsObject()
  @Type(() => MailgunDeliveryStatusDto)
  @Expose()
  'delivery-status'?: MailgunDeliveryStatusDto;

  @WhenRecorded()
  @IsOptional()
  @ValidateNested()
  @IsObject()
  @Type(() => MailgunUserVariablesDto)
  @Expose()
  'user-variables'?: MailgunUserVariablesDto;
}

/** One Mailgun webhook call; only the fields mailroute reads are listed, others are ignored. */
@ApiSchema({ name: 'MailgunWebhook' })
export class MailgunWebhookDto {
  @ValidateNested()
  @IsObject()
  @Type(() => MailgunSignatureDto)
  @Expose()
  signature: MailgunSignatureDto;

  @ValidateNested()
  @IsObject()
  @Type(() => MailgunEventDataDto)
  @Expose()
  'event-data': MailgunEventDataDto;
}
