import { InjectQueue } from '@nestjs/bull';
import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { validate } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Principal, grants, isAllowedSender } from '../auth/auth.module';
import { addJobs, queueTransaction } from '../common/jobs-in-transaction';
import { withTimeout } from '../common/with-timeout';
import { VALIDATION_OPTIONS, validationMessages } from '../common/validation-options';
import { AppConfig, ConfigurationError } from '../config/config.module';
import { detectMimeType } from 'nodemailer/lib/mime-funcs/mime-types';
import type { Attachment, EmailAddress, OutgoingEmail } from '../providers/providers.module';
import { parseAddress, parseAddressList } from './address';
import { AttachmentDto, SendEmailDto, toSendEmailDto } from './dto/send-email.dto';
import { EmailEvent, EmailRecord } from './email-record';
import { ListEmailsQueryDto } from './dto/list-emails.query.dto';
import { IdempotencyStore } from './idempotency.store';
import { decodeCursor, encodeCursor } from './message.index';
import { MailMetrics } from './mail.metrics';
import { DeliveryJob, MAIL_QUEUE } from './mail.queue';
import { MessageStore, NewMessage } from './message.store';
import { SuppressionStore } from './suppression.store';

const STORE_TIMEOUT_MS = 5_000;
const JOB_TIDY_TIMEOUT_MS = 2_000;
const CONNECT_WAIT_MS = 2_000;
export const MAX_BATCH = 500;
const DEFAULT_PAGE = 20;
export const NOT_STORED = 'The message could not be stored, so it was not accepted; try again.';

/** Per item of a batch: the accepted message, or why it was refused. */
export type BatchItemResult = { index: number; id: string; status: string } | { index: number; errors: string[] };

@Injectable()
export class MailService {
  private readonly logger = new Logger(MailService.name);
  private readonly defaultFrom?: EmailAddress;
  private readonly allowedFrom: string[];
  private readonly attachmentsMaxBytes: number;
  private readonly bodyMaxBytes: number;

  constructor(
    private readonly store: MessageStore,
    private readonly idempotency: IdempotencyStore,
    private readonly suppressions: SuppressionStore,
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<DeliveryJob>,
    private readonly metrics: MailMetrics,
    config: AppConfig,
  ) {
    this.defaultFrom = config.mail.defaultFrom === undefined ? undefined : defaultSender(config.mail.defaultFrom);
    this.allowedFrom = config.security.allowedFrom;
    this.attachmentsMaxBytes = config.mail.attachmentsMaxBytes;
    this.bodyMaxBytes = config.mail.bodyMaxBytes;
    store.enableStagingOn(queue.client);
  }

  /**
   * Validates the body (400 naming each bad field), then stores the message and queues it; resolves only
   * when both are done. The route validates here rather than through the global ValidationPipe, whose
   * generic checks cost as much again as the validation itself on this hottest path.
   */
  async accept(body: unknown, caller: Principal, idempotencyKey?: string): Promise<EmailRecord> {
    const dto = await this.validated(body);
    if (Array.isArray(dto)) throw new BadRequestException(dto);
    const [record] = await this.acceptOnce(caller, idempotencyKey, body, [await this.prepare(dto, caller)]);
    return record;
  }

  /** Validates every item on its own, then stores and queues the valid ones in one round trip each. */
  async acceptBatch(items: unknown, caller: Principal, idempotencyKey?: string): Promise<BatchItemResult[]> {
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH) {
      throw new BadRequestException([`the body must be an array of 1 to ${MAX_BATCH} messages`]);
    }
    const checked = await Promise.all(items.map((item) => this.check(item, caller)));
    const valid = checked.filter((result): result is NewMessage => !Array.isArray(result));
    if (valid.length === 0) {
      throw new BadRequestException(checked.flatMap((errors, index) => (errors as string[]).map((e) => `[${index}] ${e}`)));
    }
    const records = await this.acceptOnce(caller, idempotencyKey, items, valid);
    let next = 0;
    return checked.map((result, index) => {
      if (Array.isArray(result)) return { index, errors: result };
      const record = records[next++];
      return { index, id: record.email.id, status: record.status };
    });
  }

  /** The message, when `caller` may see it: its own, or any with the admin scope; 404 alike otherwise. */
  async find(id: string, caller: Principal): Promise<EmailRecord> {
    const record = await this.store.find(id);
    if (!record || !mayAccess(caller, record)) throw new NotFoundException(`No email with id ${id}`);
    return record;
  }

  /** A send key lists its own messages, from its own indexes; an admin key lists everyone's. */
  async list(
    query: ListEmailsQueryDto,
    caller: Principal,
    signal?: AbortSignal,
  ): Promise<{ records: EmailRecord[]; nextCursor: string | null }> {
    const { records, next } = await this.store.list({
      status: query.status,
      tag: query.tag,
      to: query.to,
      since: query.since ? Date.parse(query.since) : 0,
      until: query.until ? Date.parse(query.until) : Number.MAX_SAFE_INTEGER,
      limit: query.limit ?? DEFAULT_PAGE,
      cursor: query.cursor ? decodeCursor(query.cursor) : undefined,
      owner: grants(caller.scope, 'admin') ? undefined : caller.name,
      signal,
    });
    return { records, nextCursor: next ? encodeCursor(next) : null };
  }

  async events(id: string, caller: Principal): Promise<EmailEvent[]> {
    await this.find(id, caller);
    return this.store.events(id);
  }

  /** Cancels a scheduled or queued message; 409 once it is sending or done. */
  async cancel(id: string, caller: Principal): Promise<EmailRecord> {
    await this.find(id, caller);
    const previous = await this.store.cancel(id);
    if (!previous) throw new NotFoundException(`No email with id ${id}`);
    if (previous !== 'queued' && previous !== 'scheduled') {
      throw new ConflictException(`The email is ${previous} and can no longer be cancelled.`);
    }
    // Removing the job only tidies: a job that runs anyway finds the message cancelled and leaves it
    // alone. So it is bounded and its failure ignored, since Bull's connection waits for a hung Redis.
    const removed = this.queue.getJob(id).then((job) => job?.remove()).catch(() => undefined);
    await withTimeout(removed, JOB_TIDY_TIMEOUT_MS, 'removing the job').catch(() => undefined);
    return this.find(id, caller);
  }

  /**
   * With an Idempotency-Key only the first request creates messages; a repeat gets the same ids. A first
   * request whose write failed for certain frees the key; one whose write may still land keeps it, and a
   * repeat then writes the same messages again under the claimed ids (the write is idempotent), so the
   * key always ends up meaning exactly one set of messages.
   */
  private async acceptOnce(
    caller: Principal,
    key: string | undefined,
    body: unknown,
    messages: NewMessage[],
  ): Promise<EmailRecord[]> {
    if (!key) return this.counted(await this.storeAndQueue(messages));
    const ids = messages.map((message) => message.email.id);
    const outcome = await this.idempotency.claim(caller.name, key, body, ids).catch((error: Error) => {
      if (error instanceof HttpException) throw error;
      return this.unavailable(error);
    });
    if (!outcome.first) return this.repeat(messages, outcome.ids);
    try {
      return this.counted(await this.storeAndQueue(messages));
    } catch (error) {
      if (error instanceof NotSentError) await this.idempotency.release(caller.name, key).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The first request's messages, written again under their claimed ids in case its write never landed.
   * Validation is deterministic, so the same body yields the same messages; only a suppression added in
   * between can change how many, and then the key cannot be honoured.
   */
  private async repeat(messages: NewMessage[], ids: string[]): Promise<EmailRecord[]> {
    if (ids.length !== messages.length) {
      throw new ConflictException('This Idempotency-Key was used for a request whose messages can no longer all be accepted.');
    }
    await this.storeAndQueue(messages.map((message, index) => ({ ...message, email: { ...message.email, id: ids[index] } })));
    const records = await Promise.all(ids.map((id) => this.store.find(id)));
    if (records.every(Boolean)) return records as EmailRecord[];
    throw new ConflictException('A message of this Idempotency-Key has since been removed.');
  }

  /**
   * Stores the messages and queues their jobs in one MULTI: one round trip, applied by Redis as a unit.
   * The MULTI is only sent on a connected client: parked in the client's offline queue instead, it could
   * be applied long after the caller was told 503.
   */
  private async storeAndQueue(messages: NewMessage[]): Promise<EmailRecord[]> {
    await this.connected();
    const jobs = messages.map(({ email, sendAt }) => ({ data: { id: email.id }, opts: jobOptions(email.id, sendAt) }));
    const write = async () => {
      const multi = await queueTransaction(this.queue);
      const records = this.store.stage(multi, messages);
      addJobs(multi, this.queue, jobs);
      failOnCommandError(await multi.exec());
      return records;
    };
    return withTimeout(write(), STORE_TIMEOUT_MS, 'storing').catch((error: Error) => this.unavailable(error));
  }

  /** Counts new messages only: a repeat writes again what was counted the first time. */
  private counted(records: EmailRecord[]): EmailRecord[] {
    this.metrics.messagesAccepted(records.length);
    return records;
  }

  /** Waits a moment for a connection that is being (re)established, as just after start; else 503. */
  private async connected(): Promise<void> {
    const client = this.queue.client;
    if (client.status === 'ready') return;
    await once(client, 'ready', { signal: AbortSignal.timeout(CONNECT_WAIT_MS) }).catch(() =>
      this.unavailable(new NotSentError(`Redis connection is ${client.status}`)),
    );
  }

  /** The message, or one line per problem with it. */
  private async validated(item: unknown): Promise<SendEmailDto | string[]> {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return ['must be a message object'];
    const dto = toSendEmailDto(item);
    if (Array.isArray(dto)) return dto;
    const errors = await validate(dto, VALIDATION_OPTIONS);
    return errors.length > 0 ? validationMessages(errors) : dto;
  }

  /** Validates one batch item as a single message is validated: its problems, or the message. */
  private async check(item: unknown, caller: Principal): Promise<NewMessage | string[]> {
    const dto = await this.validated(item);
    if (Array.isArray(dto)) return dto;
    try {
      return await this.prepare(dto, caller);
    } catch (error) {
      // A refusal of this item is its error; Redis being down is the whole request's (503).
      if (!(error instanceof HttpException) || error.getStatus() >= 500) throw error;
      const { message } = error.getResponse() as { message: string | string[] };
      return [message].flat();
    }
  }

  private async prepare(body: SendEmailDto, caller: Principal): Promise<NewMessage> {
    const email = this.normalise(body);
    if (!isAllowedSender(email.from.email, caller.allowedFrom ?? this.allowedFrom)) {
      throw new ForbiddenException([`from ${email.from.email} is not an allowed sender for this API key`]);
    }
    await this.checkSuppressions(email, body.allowSuppressed === true, caller);
    const due = body.sendAt ? Date.parse(body.sendAt) : undefined;
    return { email, owner: caller.name, ...(due && due > Date.now() ? { sendAt: new Date(due).toISOString() } : {}) };
  }

  /** Hard-bounced and complaining addresses are refused, unless an admin key says to send anyway. */
  private async checkSuppressions(email: OutgoingEmail, override: boolean, caller: Principal): Promise<void> {
    if (override && !grants(caller.scope, 'admin')) {
      throw new ForbiddenException(['allowSuppressed needs an API key with the admin scope']);
    }
    if (override) return;
    const fields = (['to', 'cc', 'bcc'] as const).flatMap((field) => email[field].map(({ email: address }) => ({ field, address })));
    const suppressed = await this.suppressions
      .among(fields.map(({ address }) => address))
      .catch((error: Error) => this.unavailable(error));
    if (suppressed.length === 0) return;
    throw new UnprocessableEntityException(
      suppressed.map(({ email: address, reason, source }) => {
        const field = fields.find((candidate) => candidate.address.toLowerCase() === address)?.field;
        return `${field} ${address} is on the suppression list (${reason} reported by ${source}); an admin key may send with "allowSuppressed": true`;
      }),
    );
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

  private unavailable(error: Error): never {
    this.logger.error(`Redis write failed: ${error.message}`);
    if (error instanceof NotSentError) throw new NotSentError(NOT_STORED);
    throw new ServiceUnavailableException(NOT_STORED);
  }
}

/** Messages without an owner predate owners and are an admin's only. */
function mayAccess(caller: Principal, record: EmailRecord): boolean {
  return grants(caller.scope, 'admin') || (record.owner !== undefined && record.owner === caller.name);
}

function jobOptions(id: string, sendAt: string | undefined): JobOptions & { jobId: string } {
  return sendAt ? { jobId: id, delay: Math.max(0, Date.parse(sendAt) - Date.now()) } : { jobId: id };
}

/** A 503 for a write that certainly did not happen (as opposed to one whose outcome is unknown). */
class NotSentError extends ServiceUnavailableException {}

/** EXEC answers each command's error in place; one failed write means the message was not stored. */
function failOnCommandError(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('the transaction was discarded');
  const failed = results.find(([error]) => error !== null);
  if (failed) throw failed[0] as Error;
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
