import { InjectQueue } from '@nestjs/bull';
import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { Principal, isAllowedSender } from '../auth/auth.module';
import { AppConfig, ConfigurationError } from '../config/config.module';
import type { EmailAddress, OutgoingEmail } from '../providers/providers.module';
import { parseAddress, parseAddressList } from './address';
import { SendEmailDto } from './dto/send-email.dto';
import { EmailRecord } from './email-record';
import { MessageStore } from './message.store';
import { DeliveryJob, MAIL_QUEUE } from './mail.queue';
import { withTimeout } from '../common/with-timeout';

const ENQUEUE_TIMEOUT_MS = 5_000;
const NOT_STORED = 'The message could not be stored, so it was not accepted; try again.';

@Injectable()
export class MailService {
  private readonly logger = new Logger(MailService.name);
  private readonly defaultFrom?: EmailAddress;
  private readonly allowedFrom: string[];

  constructor(
    private readonly store: MessageStore,
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<DeliveryJob>,
    config: AppConfig,
  ) {
    this.defaultFrom = config.mail.defaultFrom === undefined ? undefined : defaultSender(config.mail.defaultFrom);
    this.allowedFrom = config.security.allowedFrom;
  }

  /** Stores the message, then queues it for delivery; resolves only when both are done. */
  async accept(body: SendEmailDto, caller: Principal): Promise<EmailRecord> {
    const email = this.normalise(body);
    if (!isAllowedSender(email.from.email, caller.allowedFrom ?? this.allowedFrom)) {
      throw new ForbiddenException([`from ${email.from.email} is not an allowed sender for this API key`]);
    }
    const record = await this.store.create(email).catch((error: Error) => this.unavailable(error));
    try {
      await withTimeout(this.queue.add({ id: email.id }, { jobId: email.id }), ENQUEUE_TIMEOUT_MS, 'queueing');
    } catch (error) {
      await this.store.remove(email.id).catch(() => undefined);
      this.unavailable(error as Error);
    }
    return record;
  }

  async find(id: string): Promise<EmailRecord> {
    const record = await this.store.find(id).catch((error: Error) => this.unavailable(error));
    if (!record) throw new NotFoundException(`No email with id ${id}`);
    return record;
  }

  private normalise(body: SendEmailDto): OutgoingEmail {
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
      text: body.text ?? undefined,
      html: body.html ?? undefined,
      headers: body.headers ?? {},
      tags: body.tags ?? [],
      metadata: body.metadata ?? {},
    };
  }

  private sender(from: SendEmailDto['from']): EmailAddress {
    if (from != null) return single(from);
    if (this.defaultFrom) return this.defaultFrom;
    throw new BadRequestException(['from is required (this server has no MAIL_DEFAULT_FROM)']);
  }

  private unavailable(error: Error): never {
    this.logger.error(`Redis write failed: ${error.message}`);
    throw new ServiceUnavailableException(NOT_STORED);
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
