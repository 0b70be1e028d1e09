import { BadRequestException, Injectable, PayloadTooLargeException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { detectMimeType } from 'nodemailer/lib/mime-funcs/mime-types';
import { AppConfig, ConfigurationError } from '../../config/config.module';
import type { Attachment, EmailAddress, OutgoingEmail } from '../../providers/providers.module';
import { parseAddress, parseAddressList } from './address';
import { AttachmentDto, SendEmailDto } from './dto/send-email.dto';

/**
 * Turns a validated request into the message mailroute stores and sends: a new id, parsed addresses,
 * the default sender, decoded attachments, and the size limits that can only be checked once decoded.
 */
@Injectable()
export class EmailNormaliser {
  private readonly defaultFrom?: EmailAddress;
  private readonly attachmentsMaxBytes: number;
  private readonly bodyMaxBytes: number;

  constructor(config: AppConfig) {
    this.defaultFrom = config.mail.defaultFrom === undefined ? undefined : defaultSender(config.mail.defaultFrom);
    this.attachmentsMaxBytes = config.mail.attachmentsMaxBytes;
    this.bodyMaxBytes = config.mail.bodyMaxBytes;
  }

  normalise(body: SendEmailDto): OutgoingEmail {
    // Validation lets null through for optional fields (IsOptional); null means "not given" here too.
    const list = (field: 'to' | 'cc' | 'bcc') =>
      body[field] == null ? [] : parseAddressList(field, body[field]).addresses;
    return {
      id: randomUUID(),
      from: this.sender(body.from),
      to: list('to'),
      cc: list('cc'),
      bcc: list('bcc'),
      replyTo: body.replyTo == null ? undefined : single(body.replyTo),
      subject: body.subject,
      text: this.body('text', body.text),
      html: this.body('html', body.html),
      headers: body.headers ?? {},
      tags: body.tags ?? [],
      metadata: body.metadata ?? {},
      attachments: this.attachments(body.attachments ?? []),
    };
  }

  /** Counted in UTF-8 bytes, as providers count a message's size. */
  private body(field: 'text' | 'html', value: string | undefined): string | undefined {
    if (value == null) return undefined;
    const bytes = Buffer.byteLength(value);
    if (bytes > this.bodyMaxBytes) {
      throw new PayloadTooLargeException([`${field} is ${bytes} bytes, over the limit of ${this.bodyMaxBytes}`]);
    }
    return value;
  }

  private attachments(items: AttachmentDto[]): Attachment[] {
    const attachments = items.map(({ filename, content, contentType, contentId }) => ({
      filename,
      contentType: contentType ?? detectMimeType(filename),
      content: Buffer.from(content, 'base64'),
      ...(contentId ? { contentId } : {}),
    }));
    const total = attachments.reduce((sum, { content }) => sum + content.length, 0);
    if (total > this.attachmentsMaxBytes) {
      throw new PayloadTooLargeException([
        `attachments total ${total} bytes once decoded, over the limit of ${this.attachmentsMaxBytes}`,
      ]);
    }
    return attachments;
  }

  private sender(from: SendEmailDto['from']): EmailAddress {
    if (from != null) return single(from);
    if (this.defaultFrom) return this.defaultFrom;
    throw new BadRequestException(['from is required (this server has no MAIL_DEFAULT_FROM)']);
  }
}

/** Validation has already accepted the value; this only converts it. */
function single(value: unknown): EmailAddress {
  const parsed = parseAddress(value);
  if ('problem' in parsed) throw new Error(`address passed validation but does not parse: ${parsed.problem}`);
  return parsed.address;
}

function defaultSender(value: string): EmailAddress {
  const parsed = parseAddress(value);
  if ('problem' in parsed) throw new ConfigurationError(`MAIL_DEFAULT_FROM ${parsed.problem}`);
  return parsed.address;
}
