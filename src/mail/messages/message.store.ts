import { Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { ChainableCommander, Result } from 'ioredis';
import { AppConfig } from '../../config/config.module';
import type { Attachment, OutgoingEmail } from '../../providers/providers.module';
import { contentFrom, storedContent } from './stored-email';
import { RedisConnection } from '../../redis/redis.module';
import { Attempt, AttachmentInfo, EmailEvent, EmailRecord, EmailStatus, ErrorDetail } from './email-record';
import { EmailEventStream, STREAM_MAX_LENGTH } from './email-event.stream';
import { LateEvent, lateEntry, lateRange, parseLateEntry } from './late-event';
import {
  FINAL_STATUSES,
  FINISHED_KEY,
  IN_FLIGHT_KEY,
  LATE_EVENTS_KEY,
  attemptsKey,
  contentKey,
  eventsKey,
  movedKey,
  recordKey,
} from './message.keys';

const SECONDS_PER_DAY = 86_400;

/**
 * Moves a message to `target` only from one of the listed statuses, setting `fields`, appending the
 * event (and the attempt, when one is given) to the message and to the event stream, and, when `target`
 * is final, moving it from the in-flight set to the history writer's outbox, all in one step: the one
 * place where two parties (a worker and a cancel request) can race for a message.
 * KEYS: record, events, attempts, attachment bytes, event stream, in-flight set, finished set.
 * ARGV: target, updatedAt, event, ttl, fields (JSON), id, attempt ('' for none), read back ('1'/'0'),
 * final ('1'/'0'), now (ms), allowed statuses...
 * Returns the status the message had (false when there is no such message); after a move with read
 * back on, that status with the message as it is now: its fields, its attempts and its attachment bytes.
 */
const TRANSITION = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
for i = 11, #ARGV do
  if status == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[2])
    for field, value in pairs(cjson.decode(ARGV[5])) do redis.call('HSET', KEYS[1], field, value) end
    redis.call('RPUSH', KEYS[2], ARGV[3])
    if ARGV[7] ~= '' then redis.call('RPUSH', KEYS[3], ARGV[7]) end
    redis.call('XADD', KEYS[5], 'MAXLEN', '~', ${STREAM_MAX_LENGTH}, '*', 'emailId', ARGV[6], 'event', ARGV[3])
    for k = 1, 4 do redis.call('EXPIRE', KEYS[k], ARGV[4]) end
    if ARGV[9] == '1' then
      redis.call('ZREM', KEYS[6], ARGV[6])
      redis.call('ZADD', KEYS[7], ARGV[10], ARGV[6])
    end
    if ARGV[8] == '1' then
      return {status, redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[3], 0, -1), redis.call('GET', KEYS[4])}
    end
    return status
  end
end
return status`;

type TransitionReply = EmailStatus | null | [EmailStatus, string[], string[], string | null];

/**
 * Stores a new message: its record, its first event (on the event stream too), its attachments' bytes
 * (when it has any) and its place in the in-flight set. Nothing happens when the message exists already,
 * or existed and has moved to PostgreSQL, so writing it again is harmless. One command on the wire for
 * what would otherwise be several, on the accept path where every command costs.
 * KEYS: record, events, attachment bytes, event stream, in-flight set, moved marker.
 * ARGV: ttl, id, score (creation ms), created event, attachment bytes ('' for none), record fields...
 */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[6]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('RPUSH', KEYS[2], ARGV[4])
for k = 1, 2 do redis.call('EXPIRE', KEYS[k], ARGV[1]) end
if ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[1]) end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ${STREAM_MAX_LENGTH}, '*', 'emailId', ARGV[2], 'event', ARGV[4])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[2])
return 1`;

/**
 * Adds an event that changes no status (a provider's later report) to the message while it is in Redis,
 * or, once it has moved to PostgreSQL, to the late events the history writer moves there; on the event
 * stream either way, so that webhooks report it.
 * KEYS: record, events, event stream, late events. ARGV: id, event, ttl, late entry.
 */
const APPEND_EVENT = `
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ${STREAM_MAX_LENGTH}, '*', 'emailId', ARGV[1], 'event', ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  return 1
end
redis.call('ZADD', KEYS[4], 0, ARGV[4])
return 0`;

/**
 * Adds an attempt (and, for a failed one, its event, on the stream too) to a message still in Redis; a
 * worker that outlived its job (the message has finished and moved since) changes nothing.
 * KEYS: record, attempts, events, attachment bytes, event stream. ARGV: attempt, event ('' for none), id, ttl.
 */
const RECORD_ATTEMPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
if ARGV[2] ~= '' then
  redis.call('RPUSH', KEYS[3], ARGV[2])
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ${STREAM_MAX_LENGTH}, '*', 'emailId', ARGV[3], 'event', ARGV[2])
end
for k = 1, 4 do redis.call('EXPIRE', KEYS[k], ARGV[4]) end
return 1`;

/**
 * The scripts as commands of the clients that run them: after its first use on a connection, a script
 * travels as its SHA1 (EVALSHA) rather than its text.
 */
declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteTransition(...keysThenArgs: (string | number)[]): Result<TransitionReply, Context>;
    mailrouteCreate(...keysThenArgs: (string | number)[]): Result<0 | 1, Context>;
    mailrouteAppendEvent(...keysThenArgs: (string | number)[]): Result<0 | 1, Context>;
    mailrouteRecordAttempt(...keysThenArgs: (string | number)[]): Result<0 | 1, Context>;
  }
}

/** A message taken for sending: its record, and the email with its attachments' bytes. */
export interface ClaimedMessage {
  record: EmailRecord;
  email: OutgoingEmail;
}

export interface NewMessage {
  email: OutgoingEmail;
  /** The name of the API key that sent it: only that key (or an admin key) sees it. */
  owner: string;
  /** ISO time a scheduled message is due; absent for one to send now. */
  sendAt?: string;
  /** Sent with an Idempotency-Key: its final status outlives its move to PostgreSQL (see movedKey). */
  keyed?: boolean;
  /** The message this one is a copy of. */
  resentFrom?: string;
}

/** What a repeat of an accepted request answers: a message's id and its status now. */
export interface MessageState {
  id: string;
  status: EmailStatus;
}

/**
 * Keeps each message in flight, its status, its attempts and its events in Redis: a hash per message
 * and two lists, expiring MAIL_RETENTION_DAYS after the last change (a safety net: the history writer
 * removes a message once it is final and in PostgreSQL). Every write is one MULTI or one script, so a
 * reader never sees half an update.
 */
@Injectable()
export class MessageStore {
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: RedisConnection,
    private readonly stream: EmailEventStream,
    config: AppConfig,
  ) {
    this.ttlSeconds = config.mail.retentionDays * SECONDS_PER_DAY;
    redis.client.defineCommand('mailrouteTransition', { numberOfKeys: 7, lua: TRANSITION });
    redis.client.defineCommand('mailrouteAppendEvent', { numberOfKeys: 4, lua: APPEND_EVENT });
    redis.client.defineCommand('mailrouteRecordAttempt', { numberOfKeys: 5, lua: RECORD_ATTEMPT });
  }

  /** Lets transactions of `client` (the one that also adds the jobs) carry stage()'s writes: defines its script there. */
  enableStagingOn(client: Redis): void {
    client.defineCommand('mailrouteCreate', { numberOfKeys: 6, lua: CREATE });
  }

  /**
   * Adds the writes that store these messages to the caller's MULTI (on a client enableStagingOn()
   * prepared), so that storing them and queueing them happen in one step: a message is never stored
   * without its job, nor queued without its record.
   */
  stage(multi: ChainableCommander, messages: NewMessage[]): EmailRecord[] {
    const now = new Date().toISOString();
    return messages.map(({ email, owner, sendAt, keyed, resentFrom }): EmailRecord => {
      const status: EmailStatus = sendAt ? 'scheduled' : 'queued';
      const { attachments, ...rest } = email;
      const infos = attachments.map(infoOf);
      const fields = [
        ['email', storedContent(rest)],
        ['attachments', JSON.stringify(infos)],
        ['status', status],
        ['owner', owner],
        ['createdAt', now],
        ['updatedAt', now],
        ...(sendAt ? [['sendAt', sendAt]] : []),
        ...(keyed ? [['keyed', '1']] : []),
        ...(resentFrom ? [['resentFrom', resentFrom]] : []),
      ].flat();
      const created = event(status, now, sendAt ? { detail: `due at ${sendAt}` } : {});
      // The bytes are stored once, apart from the record, and read only by the worker that sends.
      const bytes = attachments.length ? JSON.stringify(attachments.map(toStored)) : '';
      const keys = [recordKey(email.id), eventsKey(email.id), contentKey(email.id), this.stream.key, IN_FLIGHT_KEY, movedKey(email.id)];
      multi.mailrouteCreate(...keys, this.ttlSeconds, email.id, Date.parse(now), created, bytes, ...fields);
      return { email, owner, status, sendAt, createdAt: now, updatedAt: now, attempts: [], attachments: infos, resentFrom };
    });
  }

  /** The message while it is in Redis (in flight, or final and not yet in PostgreSQL). */
  async find(id: string): Promise<EmailRecord | undefined> {
    const results = await this.redis.client.multi().hgetall(recordKey(id)).lrange(attemptsKey(id), 0, -1).exec();
    const [[, hash], [, attempts]] = results as [[null, Record<string, string>], [null, string[]]];
    return hash.email ? recordFrom(hash, attempts) : undefined;
  }

  /** Each message's status, from Redis or, once it has moved, from its marker; undefined when neither has it. */
  async states(ids: string[]): Promise<(MessageState | undefined)[]> {
    const pipeline = this.redis.client.pipeline();
    for (const id of ids) pipeline.hget(recordKey(id), 'status').get(movedKey(id));
    const replies = ((await pipeline.exec()) ?? []).map(([error, value]) => {
      if (error) throw error;
      return value as string | null;
    });
    return ids.map((id, i) => {
      const status = (replies[2 * i] ?? replies[2 * i + 1]) as EmailStatus | null;
      return status ? { id, status } : undefined;
    });
  }

  /** The message's events while it is in Redis; undefined once it has left (see the history). */
  async events(id: string): Promise<EmailEvent[] | undefined> {
    const results = await this.redis.client.multi().exists(recordKey(id)).lrange(eventsKey(id), 0, -1).exec();
    const [[, exists], [, events]] = results as [[null, number], [null, string[]]];
    return exists ? events.map((entry) => JSON.parse(entry) as EmailEvent) : undefined;
  }

  /**
   * Some messages in flight, from where `cursor` left off: `next` is '0' once the whole set was walked.
   * ZSCAN, so that walking a long backlog is spread over many calls.
   */
  async inFlight(cursor: string, count: number): Promise<{ ids: string[]; next: string }> {
    const [next, flat] = await this.redis.client.zscan(IN_FLIGHT_KEY, cursor, 'COUNT', count);
    return { ids: flat.filter((_, i) => i % 2 === 0), next };
  }

  /** Drops ids from the in-flight set whose message is gone (expired with Redis' TTL, or lost with Redis data). */
  async forgetInFlight(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.client.zrem(IN_FLIGHT_KEY, ...ids);
  }

  /**
   * Takes a message for sending and reads it, with its attachments' bytes as an adapter needs them;
   * undefined when it was cancelled, finished or removed meanwhile. `sending` may be taken again: a
   * worker that died mid-send leaves it there for the next one.
   */
  async claim(id: string): Promise<ClaimedMessage | undefined> {
    const reply = await this.transition(id, 'sending', {}, ['queued', 'scheduled', 'sending'], {}, { readBack: true });
    if (!Array.isArray(reply)) return undefined;
    const [, fields, attempts, bytes] = reply;
    const record = recordFrom(hashOf(fields), attempts);
    const stored = bytes ? (JSON.parse(bytes) as StoredAttachment[]) : [];
    return { record, email: { ...record.email, attachments: stored.map(fromStored) } };
  }

  /** Cancels a message that has not started sending; returns the status it had (undefined: not in Redis). */
  async cancel(id: string): Promise<EmailStatus | undefined> {
    return (await this.transition(id, 'cancelled', {}, ['queued', 'scheduled'])) as EmailStatus | undefined;
  }

  /** Back to the queue after a round in which no provider accepted the message. */
  async requeue(id: string, detail: string): Promise<void> {
    await this.transition(id, 'queued', { detail }, ['sending']);
  }

  /**
   * Adds an event that changes no status (a provider's later report): to the message while it is in
   * Redis, else to the late events that follow it to PostgreSQL. `seq` orders late events after the
   * message's own and makes writing one twice a no-op.
   */
  async appendEvent(id: string, type: EmailEvent['type'], details: Omit<EmailEvent, 'type' | 'at'>): Promise<void> {
    const now = Date.now();
    const json = event(type, new Date(now).toISOString(), details);
    const late = lateEntry({ emailId: id, seq: now * 1000 + Math.floor(Math.random() * 1000), event: JSON.parse(json) as EmailEvent });
    await this.redis.client.mailrouteAppendEvent(recordKey(id), eventsKey(id), this.stream.key, LATE_EVENTS_KEY, id, json, this.ttlSeconds, late);
  }

  /** The message's late events not yet moved to PostgreSQL (see appendEvent), in order. */
  async lateEvents(id: string): Promise<LateEvent[]> {
    const entries = await this.redis.client.zrangebylex(LATE_EVENTS_KEY, ...lateRange(id));
    return entries.map(parseLateEntry).sort((a, b) => a.seq - b.seq);
  }

  async recordAttempt(id: string, attempt: Attempt): Promise<void> {
    const failed =
      attempt.outcome === 'failed' ? event('attempt_failed', attempt.startedAt, { provider: attempt.provider, detail: attempt.error?.message }) : '';
    const keys = [recordKey(id), attemptsKey(id), eventsKey(id), contentKey(id), this.stream.key];
    await this.redis.client.mailrouteRecordAttempt(...keys, JSON.stringify(attempt), failed, id, this.ttlSeconds);
  }

  /** The accepting attempt is stored with the status, in the same step. */
  async markSent(id: string, attempt: Attempt & { providerMessageId: string }): Promise<void> {
    const { provider, providerMessageId } = attempt;
    await this.transition(id, 'sent', { provider }, ['sending'], { provider, providerMessageId }, { attempt });
  }

  /**
   * Fails a message waiting for its job that has none any more (see OrphanSweep), only from `queued` or
   * `scheduled`; returns the status it had (undefined: not in Redis), as cancel() does.
   */
  async abandon(id: string, error: ErrorDetail): Promise<EmailStatus | undefined> {
    return (await this.transition(id, 'failed', { detail: error.message }, ['queued', 'scheduled'], { error: JSON.stringify(error) })) as
      | EmailStatus
      | undefined;
  }

  /** From `queued` too: Bull may give up on a message between rounds (see MailProcessor.onJobFailed). */
  async markFailed(id: string, error: ErrorDetail): Promise<void> {
    await this.transition(id, 'failed', { detail: error.message }, ['sending', 'queued'], { error: JSON.stringify(error) });
  }

  private async transition(
    id: string,
    target: EmailStatus,
    details: Omit<EmailEvent, 'type' | 'at'>,
    from: EmailStatus[],
    fields: Record<string, string> = {},
    { attempt, readBack = false }: { attempt?: Attempt; readBack?: boolean } = {},
  ): Promise<TransitionReply | undefined> {
    const now = new Date();
    const reply = await this.redis.client.mailrouteTransition(
      recordKey(id),
      eventsKey(id),
      attemptsKey(id),
      contentKey(id),
      this.stream.key,
      IN_FLIGHT_KEY,
      FINISHED_KEY,
      target,
      now.toISOString(),
      event(target, now.toISOString(), details),
      this.ttlSeconds,
      JSON.stringify(fields),
      id,
      attempt ? JSON.stringify(attempt) : '',
      readBack ? '1' : '0',
      isFinal(target) ? '1' : '0',
      now.getTime(),
      ...from,
    );
    return reply ?? undefined;
  }
}

export function isFinal(status: EmailStatus): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

export function recordFrom(hash: Record<string, string>, attempts: string[]): EmailRecord {
  return {
    email: { ...contentFrom(hash.email), attachments: [] },
    owner: hash.owner,
    attachments: JSON.parse(hash.attachments ?? '[]') as AttachmentInfo[],
    status: hash.status as EmailStatus,
    sendAt: hash.sendAt,
    createdAt: hash.createdAt,
    updatedAt: hash.updatedAt,
    provider: hash.provider,
    providerMessageId: hash.providerMessageId,
    error: hash.error ? (JSON.parse(hash.error) as ErrorDetail) : undefined,
    attempts: attempts.map((attempt) => JSON.parse(attempt) as Attempt),
    resentFrom: hash.resentFrom,
  };
}

/** HGETALL's reply as a script returns it: field, value, field, value... */
export function hashOf(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) hash[flat[i]] = flat[i + 1];
  return hash;
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
