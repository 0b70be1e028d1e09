import { ApiProperty, ApiPropertyOptional, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { AddressInput } from '../address';
import { IsAddress, IsAddressList } from '../validation/is-address.validator';
import { IsBase64Content } from '../validation/is-base64-content.validator';
import { IsHeaderMap } from '../validation/is-header-map.validator';
import { NoControlCharacters } from '../validation/no-control-characters.validator';
import { IsStringMap } from '../validation/is-string-map.validator';
import { IsWithinDays } from '../validation/is-within-days.validator';

/** An address with an optional display name. */
@ApiSchema({ name: 'AddressObject' })
export class AddressObjectDto {
  /** @example "ann@example.com" */
  email: string;
  /**
   * Display name; any Unicode but control characters, and no "@" unless it is the address itself.
   * @example "Ann Müller"
   */
  name?: string;
}

const ADDRESS = {
  oneOf: [
    { type: 'string', description: '"address" or "Name <address>"' },
    { $ref: getSchemaPath(AddressObjectDto) },
  ],
};
const ADDRESS_LIST = { oneOf: [...ADDRESS.oneOf, { type: 'array', items: ADDRESS }] };
const TAG = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A file sent with the message; with a contentId, an inline part the html shows as `cid:<contentId>`. */
@ApiSchema({ name: 'Attachment' })
export class AttachmentDto {
  /**
   * Shown to the recipient; no line breaks, slashes or control characters.
   * @example "invoice-1042.pdf"
   */
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  @Matches(/^[^\x00-\x1f\x7f-\x9f/\\]+$/, { message: 'filename must not contain line breaks, slashes or control characters' })
  @Length(1, 255)
  @IsString()
  filename: string;

  /**
   * The file's bytes, base64-encoded.
   * @example "JVBERi0xLjQK"
   */
  @IsBase64Content({ message: 'content must be base64' })
  @IsString()
  content: string;

  /**
   * MIME type; guessed from the filename when omitted.
   * @example "application/pdf"
   */
  @IsOptional()
  @Matches(/^[\w.+-]+\/[\w.+-]+$/, { message: 'contentType must be a MIME type such as application/pdf' })
  contentType?: string;

  /**
   * Makes the part inline, for `<img src="cid:logo">` in the html.
   * @example "logo"
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._@-]{1,128}$/, { message: 'contentId must be 1-128 of A-Z a-z 0-9 . _ @ -' })
  contentId?: string;
}

// class-validator runs a property's decorators bottom-up and the API stops at a property's first error,
// so the most basic check of each property is the one nearest to it.

/**
 * One message to send. Addresses take any of three forms: `"ann@example.com"`,
 * `"Ann <ann@example.com>"` or `{ "email": "ann@example.com", "name": "Ann" }`.
 */
@ApiSchema({ name: 'SendEmailRequest' })
export class SendEmailDto {
  /** Sender. Optional when the server has MAIL_DEFAULT_FROM configured. */
  @ApiPropertyOptional({ ...ADDRESS, example: 'Acme <app@example.com>' })
  @IsOptional()
  @IsAddress()
  from?: AddressInput;

  /** Recipients: one address or an array; to, cc and bcc together hold at most 50. */
  @ApiProperty({ ...ADDRESS_LIST, example: ['ann@example.com', { email: 'bob@example.com', name: 'Bob' }] })
  @IsDefined()
  @IsAddressList({ nonEmpty: true })
  to: AddressInput | AddressInput[];

  @ApiPropertyOptional({ ...ADDRESS_LIST, example: 'Carol <carol@example.com>' })
  @IsOptional()
  @IsAddressList()
  cc?: AddressInput | AddressInput[];

  @ApiPropertyOptional({ ...ADDRESS_LIST, example: ['audit@example.com'] })
  @IsOptional()
  @IsAddressList()
  bcc?: AddressInput | AddressInput[];

  /** Where replies should go, when not to the sender. */
  @ApiPropertyOptional({ ...ADDRESS, example: 'support@example.com' })
  @IsOptional()
  @IsAddress()
  replyTo?: AddressInput;

  /**
   * 1 to 998 characters; any Unicode but line breaks and other control characters (TAB is fine).
   * @example "Your order has shipped 📦"
   */
  @NoControlCharacters()
  @Length(1, 998)
  @IsString()
  subject: string;

  /**
   * Plain-text body. At least one of text and html is required; with both, mail clients choose.
   * @example "Hello Ann, your order is on its way."
   */
  @ValidateIf((body: SendEmailDto) => body.text != null || body.html == null)
  @IsString()
  @IsDefined({ message: 'text or html is required' })
  text?: string;

  /**
   * HTML body.
   * @example "<p>Hello Ann, your order is on its way.</p>"
   */
  @IsOptional()
  @IsString()
  html?: string;

  /**
   * Extra headers. From, To, Subject, the other headers mailroute or the provider sets, and headers that
   * name another sender or route (Resent-*, Errors-To, ...) are refused.
   */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'X-Campaign': 'autumn-sale' },
  })
  @IsOptional()
  @IsHeaderMap()
  headers?: Record<string, string>;

  /**
   * Labels for grouping and searching messages: up to 10, each 1-64 of A-Z a-z 0-9 _ . : -
   * @example ["order-shipped"]
   */
  @IsOptional()
  @Matches(TAG, { each: true, message: 'each tag must be 1-64 characters of A-Z a-z 0-9 _ . : -' })
  @IsString({ each: true })
  @ArrayMaxSize(10)
  @IsArray()
  tags?: string[];

  /** Your own string values kept with the message and shown when you read it back (up to 50 keys). */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { orderId: '1042' },
  })
  @IsOptional()
  @IsStringMap({ maxEntries: 50, maxKeyLength: 64, maxValueLength: 1000 })
  metadata?: Record<string, string>;

  /**
   * Send even to addresses on the suppression list (hard bounces, complaints). Admin keys only.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  allowSuppressed?: boolean;

  /** Files to attach: up to 20, at most MAIL_ATTACHMENTS_MAX_BYTES (10 MB) together once decoded. */
  @IsOptional()
  @ValidateNested({ each: true })
  @IsObject({ each: true, message: 'each attachment must be an object' })
  @ArrayMaxSize(20)
  @IsArray()
  attachments?: AttachmentDto[];

  /**
   * When to send: an ISO 8601 time at most 30 days ahead. The message is `scheduled` until then and can
   * be cancelled. Omitted, or in the past: send now.
   * @example "2026-11-24T09:00:00Z"
   */
  @IsOptional()
  @IsWithinDays(30)
  @IsISO8601({ strict: true }, { message: 'sendAt must be an ISO 8601 date and time, e.g. 2026-11-24T09:00:00Z' })
  sendAt?: string;
}

/** Own keys that would replace what an object is rather than add a field to it. */
const UNSAFE_KEYS = ['constructor', '__proto__'];

/**
 * The body as a SendEmailDto for class-validator, every value kept as parsed. Not class-transformer's
 * plainToInstance: it walks every nested value, takes an object's own `constructor` key for its class (a
 * TypeError on `{"metadata":{"constructor":"x"}}`) and drops keys named like Object.prototype members
 * (`toString`), so free-form maps would not survive it. Only the message and its attachments need to be
 * instances. The answer is the message, or the problems with keys no instance can hold.
 */
export function toSendEmailDto(body: object): SendEmailDto | string[] {
  const dto = instanceOf(SendEmailDto, body, '');
  if (Array.isArray(dto) || !Array.isArray(dto.attachments)) return dto;
  const problems: string[] = [];
  dto.attachments = (dto.attachments as unknown[]).map((item, index) => {
    if (!isObject(item)) return item;
    const attachment = instanceOf(AttachmentDto, item, `attachments.${index}.`);
    if (!Array.isArray(attachment)) return attachment;
    problems.push(...attachment);
    return item;
  }) as AttachmentDto[];
  return problems.length > 0 ? problems : dto;
}

function instanceOf<T extends object>(type: new () => T, plain: object, path: string): T | string[] {
  const unsafe = UNSAFE_KEYS.filter((key) => Object.hasOwn(plain, key));
  if (unsafe.length > 0) return unsafe.map((key) => `property ${path}${key} should not exist`);
  return Object.assign(new type(), plain);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
