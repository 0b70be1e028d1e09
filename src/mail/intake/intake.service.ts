import { BadRequestException, ConflictException, HttpException, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Principal } from '../../auth/auth.module';
import { EmailContent } from '../activity/activity.module';
import { EmailRecord, MessageMetrics, MessageState, MessageStore, NewMessage } from '../messages/messages.module';
import { SendEmailDto } from './dto/send-email.dto';
import { EmailNormaliser } from './email.normaliser';
import { IdempotencyStore } from './idempotency.store';
import { MessageWriter, NotSentError } from './message.writer';
import { validateSendEmail } from './send-email.validation';
import { SendingPolicy } from './sending.policy';

export const MAX_BATCH = 500;
export const NOT_RESENDABLE =
  'A message with attachments cannot be sent again: mailroute keeps their bytes only until it is final. Send it anew with POST /v1/emails.';

/** Per item of a batch: the accepted message, or why it was refused. */
export type BatchItemResult = { index: number; id: string; status: string } | { index: number; errors: string[] };

/**
 * Accepting messages: validated, normalised, checked against the sending policy, then stored and queued
 * (at most once per Idempotency-Key); resolves only when they are stored.
 */
@Injectable()
export class IntakeService {
  constructor(
    private readonly normaliser: EmailNormaliser,
    private readonly policy: SendingPolicy,
    private readonly idempotency: IdempotencyStore,
    private readonly writer: MessageWriter,
    private readonly store: MessageStore,
    private readonly metrics: MessageMetrics,
  ) {}

  /** Validates the body (400 naming each bad field), then stores the message and queues it. */
  async accept(body: unknown, caller: Principal, idempotencyKey?: string): Promise<MessageState> {
    const dto = await validateSendEmail(body);
    if (Array.isArray(dto)) throw new BadRequestException(dto);
    const [accepted] = await this.acceptOnce(caller, idempotencyKey, body, [await this.prepare(dto, caller)]);
    return accepted;
  }

  /**
   * A copy of `original` with its bodies, to send now as the caller's, naming the original. It is checked
   * as a new message is (the caller's senders, the suppression list), and with an Idempotency-Key a
   * repeat answers the same copy.
   */
  async resend(original: EmailRecord, content: EmailContent, caller: Principal, idempotencyKey?: string): Promise<MessageState> {
    if (original.attachments.length > 0) throw new ConflictException(NOT_RESENDABLE);
    const email = { ...original.email, id: randomUUID(), text: content.text ?? undefined, html: content.html ?? undefined, attachments: [] };
    await this.policy.check(email, false, caller).catch((error: Error) => this.refusalOrOutage(error));
    const [accepted] = await this.acceptOnce(caller, idempotencyKey, { resend: original.email.id }, [
      { email, owner: caller.name, resentFrom: original.email.id },
    ]);
    return accepted;
  }

  /** Validates every item on its own, then stores and queues the valid ones in one round trip. */
  async acceptBatch(items: unknown, caller: Principal, idempotencyKey?: string): Promise<BatchItemResult[]> {
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH) {
      throw new BadRequestException([`the body must be an array of 1 to ${MAX_BATCH} messages`]);
    }
    const checked = await Promise.all(items.map((item) => this.check(item, caller)));
    const valid = checked.filter((result): result is NewMessage => !Array.isArray(result));
    if (valid.length === 0) {
      throw new BadRequestException(checked.flatMap((errors, index) => (errors as string[]).map((e) => `[${index}] ${e}`)));
    }
    const accepted = await this.acceptOnce(caller, idempotencyKey, items, valid);
    let next = 0;
    return checked.map((result, index) => {
      if (Array.isArray(result)) return { index, errors: result };
      const { id, status } = accepted[next++];
      return { index, id, status };
    });
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
    unkeyed: NewMessage[],
  ): Promise<MessageState[]> {
    if (!key) return this.counted(await this.writer.write(unkeyed));
    const messages = unkeyed.map((message) => ({ ...message, keyed: true }));
    const ids = messages.map((message) => message.email.id);
    const outcome = await this.idempotency.claim(caller.name, key, body, ids).catch((error: Error) => this.refusalOrOutage(error));
    if (!outcome.first) return this.repeat(messages, outcome.ids);
    try {
      return this.counted(await this.writer.write(messages));
    } catch (error) {
      if (error instanceof NotSentError) await this.idempotency.release(caller.name, key).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The first request's messages, written again under their claimed ids in case its write never landed
   * (a message already stored, or moved to PostgreSQL, is not written again). Validation is
   * deterministic, so the same body yields the same messages; only a suppression added in between can
   * change how many, and then the key cannot be honoured.
   */
  private async repeat(messages: NewMessage[], ids: string[]): Promise<MessageState[]> {
    if (ids.length !== messages.length) {
      throw new ConflictException('This Idempotency-Key was used for a request whose messages can no longer all be accepted.');
    }
    await this.writer.write(messages.map((message, index) => ({ ...message, email: { ...message.email, id: ids[index] } })));
    const states = await this.store.states(ids);
    if (states.every(Boolean)) return states as MessageState[];
    throw new ConflictException('A message of this Idempotency-Key has since been removed.');
  }

  /** Counts new messages only: a repeat writes again what was counted the first time. */
  private counted(records: EmailRecord[]): MessageState[] {
    this.metrics.messagesAccepted(records.length);
    return records.map(({ email, status }) => ({ id: email.id, status }));
  }

  /** Validates one batch item as a single message is validated: its problems, or the message. */
  private async check(item: unknown, caller: Principal): Promise<NewMessage | string[]> {
    const dto = await validateSendEmail(item);
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
    const email = this.normaliser.normalise(body);
    await this.policy.check(email, body.allowSuppressed === true, caller).catch((error: Error) => this.refusalOrOutage(error));
    const due = body.sendAt ? Date.parse(body.sendAt) : undefined;
    return { email, owner: caller.name, ...(due && due > Date.now() ? { sendAt: new Date(due).toISOString() } : {}) };
  }

  /** A refusal (4xx) is the caller's answer; anything else is Redis failing, answered 503. */
  private refusalOrOutage(error: Error): never {
    if (error instanceof HttpException) throw error;
    return this.writer.unavailable(error);
  }
}
