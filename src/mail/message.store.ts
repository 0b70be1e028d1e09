import { Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { AppConfig } from '../config/config.module';
import type { Attachment, OutgoingEmail } from '../providers/providers.module';
import { RedisConnection } from '../redis/redis.module';
import { Attempt, AttachmentInfo, EmailEvent, EmailRecord, EmailStatus, ErrorDetail } from './email-record';

const SECONDS_PER_DAY = 86_400;

/**
 * Moves a message to `target` only from one of the listed statuses, appending the event in the same
 * step: the one place where two parties (a worker and a cancel request) can race for a message.
 * KEYS: record, events, attempts, attachment bytes. ARGV: target, updatedAt, event, ttl, allowed statuses...
 * Returns the status the message had (false when there is no such message).
 */
const TRANSITION = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
for i = 5, #ARGV do
  if status == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[2])
    redis.call('RPUSH', KEYS[2], ARGV[3])
    for k = 1, 4 do redis.call('EXPIRE', KEYS[k], ARGV[4]) end
    return status
  end
end
return status`;

export interface NewMessage {
  email: OutgoingEmail;
  /** ISO time a scheduled message is due; absent for one to send now. */
  sendAt?: string;
}

/**
 * Keeps each message, its status, its attempts and its events in Redis: a hash per message and two
 * lists, all expiring MAIL_RETENTION_DAYS after the last change. Every write is one MULTI (or one
 * script), so a reader never sees half an update.
 */
@Injectable()
export class MessageStore {
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: RedisConnection,
    config: AppConfig,
  ) {
    this.ttlSeconds = config.mail.retentionDays * SECONDS_PER_DAY;
  }

  /** Stores messages (one, or a whole batch) in one round trip. */
  async create(messages: NewMessage[]): Promise<EmailRecord[]> {
    const now = new Date().toISOString();
    const multi = this.redis.client.multi();
    const records = messages.map(({ email, sendAt }): EmailRecord => {
      const status: EmailStatus = sendAt ? 'scheduled' : 'queued';
      const { attachments, ...rest } = email;
      const infos = attachments.map(infoOf);
      const fields = {
        email: JSON.stringify(rest),
        attachments: JSON.stringify(infos),
        status,
        createdAt: now,
        updatedAt: now,
        ...(sendAt ? { sendAt } : {}),
      };
      multi.hset(recordKey(email.id), fields);
      // The bytes are stored once, apart from the record, and read only by the worker that sends.
      if (attachments.length) multi.set(contentKey(email.id), JSON.stringify(attachments.map(toStored)));
      multi.rpush(eventsKey(email.id), event(status, now, sendAt ? { detail: `due at ${sendAt}` } : {}));
      this.expire(multi, email.id);
      return { email, status, sendAt, createdAt: now, updatedAt: now, attempts: [], attachments: infos };
    });
    await multi.exec();
    return records;
  }

  async find(id: string): Promise<EmailRecord | undefined> {
    const results = await this.redis.client.multi().hgetall(recordKey(id)).lrange(attemptsKey(id), 0, -1).exec();
    const [[, hash], [, attempts]] = results as [[null, Record<string, string>], [null, string[]]];
    if (!hash.email) return undefined;
    return {
      email: { ...(JSON.parse(hash.email) as Omit<OutgoingEmail, 'attachments'>), attachments: [] },
      attachments: JSON.parse(hash.attachments ?? '[]') as AttachmentInfo[],
      status: hash.status as EmailStatus,
      sendAt: hash.sendAt,
      createdAt: hash.createdAt,
      updatedAt: hash.updatedAt,
      provider: hash.provider,
      providerMessageId: hash.providerMessageId,
      error: hash.error ? (JSON.parse(hash.error) as ErrorDetail) : undefined,
      attempts: attempts.map((attempt) => JSON.parse(attempt) as Attempt),
    };
  }

  /** The message with its attachments' bytes, as an adapter needs it. */
  async emailForSending(record: EmailRecord): Promise<OutgoingEmail> {
    if (record.attachments.length === 0) return record.email;
    const stored = JSON.parse((await this.redis.client.get(contentKey(record.email.id))) ?? '[]') as StoredAttachment[];
    return { ...record.email, attachments: stored.map(fromStored) };
  }

  async events(id: string): Promise<EmailEvent[]> {
    return (await this.redis.client.lrange(eventsKey(id), 0, -1)).map((entry) => JSON.parse(entry) as EmailEvent);
  }

  /**
   * Takes a message for sending; false when it was cancelled, finished or removed meanwhile. `sending`
   * may be taken again: a worker that died mid-send leaves it there for the next one.
   */
  async claim(id: string): Promise<boolean> {
    const previous = await this.transition(id, 'sending', {}, ['queued', 'scheduled', 'sending']);
    return previous === 'queued' || previous === 'scheduled' || previous === 'sending';
  }

  /** Cancels a message that has not started sending; returns the status it had (undefined: no such message). */
  async cancel(id: string): Promise<EmailStatus | undefined> {
    return this.transition(id, 'cancelled', {}, ['queued', 'scheduled']);
  }

  /** Back to the queue after a round in which no provider accepted the message. */
  async requeue(id: string, detail: string): Promise<void> {
    await this.transition(id, 'queued', { detail }, ['sending']);
  }

  async recordAttempt(id: string, attempt: Attempt): Promise<void> {
    const multi = this.redis.client.multi().rpush(attemptsKey(id), JSON.stringify(attempt));
    if (attempt.outcome === 'failed') {
      multi.rpush(eventsKey(id), event('attempt_failed', attempt.startedAt, { provider: attempt.provider, detail: attempt.error?.message }));
    }
    await this.expire(multi, id).exec();
  }

  async markSent(id: string, provider: string, providerMessageId: string): Promise<void> {
    const now = new Date().toISOString();
    await this.update(id, { status: 'sent', provider, providerMessageId, updatedAt: now }, event('sent', now, { provider }));
  }

  async markFailed(id: string, error: ErrorDetail): Promise<void> {
    const now = new Date().toISOString();
    await this.update(id, { status: 'failed', error: JSON.stringify(error), updatedAt: now }, event('failed', now, { detail: error.message }));
  }

  async remove(id: string): Promise<void> {
    await this.redis.client.del(recordKey(id), attemptsKey(id), eventsKey(id), contentKey(id));
  }

  private async transition(
    id: string,
    target: EmailStatus,
    details: Omit<EmailEvent, 'type' | 'at'>,
    from: EmailStatus[],
  ): Promise<EmailStatus | undefined> {
    const now = new Date().toISOString();
    const previous = await this.redis.client.eval(
      TRANSITION,
      4,
      recordKey(id),
      eventsKey(id),
      attemptsKey(id),
      contentKey(id),
      target,
      now,
      event(target, now, details),
      this.ttlSeconds,
      ...from,
    );
    return (previous ?? undefined) as EmailStatus | undefined;
  }

  private async update(id: string, fields: Record<string, string>, eventJson: string): Promise<void> {
    const multi = this.redis.client.multi().hset(recordKey(id), fields).rpush(eventsKey(id), eventJson);
    await this.expire(multi, id).exec();
  }

  private expire(multi: ChainableCommander, id: string): ChainableCommander {
    return multi
      .expire(recordKey(id), this.ttlSeconds)
      .expire(attemptsKey(id), this.ttlSeconds)
      .expire(eventsKey(id), this.ttlSeconds)
      .expire(contentKey(id), this.ttlSeconds);
  }
}

function event(type: EmailEvent['type'], at: string, details: Omit<EmailEvent, 'type' | 'at'>): string {
  return JSON.stringify({ type, at, ...details });
}

type StoredAttachment = Omit<Attachment, 'content'> & { content: string };

const infoOf = ({ filename, contentType, content, contentId }: Attachment): AttachmentInfo => ({
  filename,
  contentType,
  size: content.length,
  ...(contentId ? { contentId } : {}),
});
const toStored = (attachment: Attachment): StoredAttachment => ({ ...attachment, content: attachment.content.toString('base64') });
const fromStored = (stored: StoredAttachment): Attachment => ({ ...stored, content: Buffer.from(stored.content, 'base64') });

const recordKey = (id: string) => `mailroute:email:${id}`;
const contentKey = (id: string) => `mailroute:email:${id}:attachments`;
const attemptsKey = (id: string) => `mailroute:email:${id}:attempts`;
const eventsKey = (id: string) => `mailroute:email:${id}:events`;
