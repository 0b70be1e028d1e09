import { Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { ChainableCommander, Result } from 'ioredis';
import { AppConfig } from '../../config/config.module';
import type { Attachment, OutgoingEmail } from '../../providers/providers.module';
import { RedisConnection } from '../../redis/redis.module';
import { Attempt, AttachmentInfo, EmailEvent, EmailRecord, EmailStatus, ErrorDetail } from './email-record';
import { EmailEventStream } from './email-event.stream';
import { Cursor, IndexFilter, MessageIndex } from './message.index';

const SECONDS_PER_DAY = 86_400;

/**
 * Moves a message to `target` only from one of the listed statuses, setting `fields`, appending the
 * event (and the attempt, when one is given) and moving the message between the status indexes
 * (everyone's and its owner's), all in one step: the one place where two parties (a worker and a cancel
 * request) can race for a message.
 * KEYS: record, events, attempts, attachment bytes, the all-messages index, the event stream.
 * ARGV: target, updatedAt, event, ttl, fields (JSON), id, status index prefix, stream on ('1'/'0'),
 * attempt ('' for none), read back ('1'/'0'), the owner's status index prefix with `{owner}` for the
 * owner, allowed statuses...
 * Returns the status the message had (false when there is no such message); after a move with read
 * back on, that status with the message as it is now: its fields, its attempts and its attachment bytes.
 */
const TRANSITION = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
for i = 12, #ARGV do
  if status == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[2])
    for field, value in pairs(cjson.decode(ARGV[5])) do redis.call('HSET', KEYS[1], field, value) end
    redis.call('RPUSH', KEYS[2], ARGV[3])
    if ARGV[9] ~= '' then redis.call('RPUSH', KEYS[3], ARGV[9]) end
    if ARGV[8] == '1' then
      redis.call('XADD', KEYS[6], 'MAXLEN', '~', 100000, '*', 'emailId', ARGV[6], 'event', ARGV[3])
    end
    for k = 1, 4 do redis.call('EXPIRE', KEYS[k], ARGV[4]) end
    local score = redis.call('ZSCORE', KEYS[5], ARGV[6])
    if score then
      local prefixes = {ARGV[7]}
      local owner = redis.call('HGET', KEYS[1], 'owner')
      if owner then prefixes[2] = string.gsub(ARGV[11], '{owner}', owner) end
      for _, prefix in ipairs(prefixes) do
        redis.call('ZREM', prefix .. status, ARGV[6])
        redis.call('ZADD', prefix .. ARGV[1], score, ARGV[6])
        redis.call('EXPIRE', prefix .. ARGV[1], ARGV[4])
      end
    end
    if ARGV[10] == '1' then
      return {status, redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[3], 0, -1), redis.call('GET', KEYS[4])}
    end
    return status
  end
end
return status`;

type TransitionReply = EmailStatus | null | [EmailStatus, string[], string[], string | null];

/**
 * Stores a new message: its record, its first event (on the event stream too, when it is on), its
 * attachments' bytes (when it has any) and its entries in the indexes, trimming entries older than the
 * retention and keeping every index key for a retention after its last write. Nothing happens when the message exists already, so writing it again is harmless. One
 * command on the wire for what would otherwise be a dozen, on the accept path where every command costs.
 * KEYS: record, events, attachment bytes, event stream, indexes...
 * ARGV: ttl, id, score, trim-before score, created event, attachment bytes ('' for none), stream on
 * ('1'/'0'), record fields...
 */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('RPUSH', KEYS[2], ARGV[5])
for k = 1, 2 do redis.call('EXPIRE', KEYS[k], ARGV[1]) end
if ARGV[6] ~= '' then redis.call('SET', KEYS[3], ARGV[6], 'EX', ARGV[1]) end
if ARGV[7] == '1' then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', 100000, '*', 'emailId', ARGV[2], 'event', ARGV[5])
end
for k = 5, #KEYS do
  redis.call('ZADD', KEYS[k], ARGV[3], ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', '(' .. ARGV[4])
  redis.call('EXPIRE', KEYS[k], ARGV[1])
end
return 1`;

/**
 * The scripts as commands of the clients that run them: after its first use on a connection, a script
 * travels as its SHA1 (EVALSHA) rather than its text.
 */
declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteTransition(...keysThenArgs: (string | number)[]): Result<TransitionReply, Context>;
    mailrouteCreate(keyCount: number, ...keysThenArgs: (string | number)[]): Result<0 | 1, Context>;
  }
}

/** How far one listing request reads into an index looking for matches before it hands back a cursor. */
const MAX_SCAN = 1000;

export interface ListQuery extends IndexFilter {
  /** Creation time range in ms since the epoch. */
  since: number;
  until: number;
  limit: number;
  cursor?: Cursor;
  /** Only this API key's messages; undefined lists everyone's. */
  owner?: string;
  /** Ends the reading early (with what was found so far) when the caller has gone. */
  signal?: AbortSignal;
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
    private readonly index: MessageIndex,
    private readonly stream: EmailEventStream,
    config: AppConfig,
  ) {
    this.ttlSeconds = config.mail.retentionDays * SECONDS_PER_DAY;
    redis.client.defineCommand('mailrouteTransition', { numberOfKeys: 6, lua: TRANSITION });
  }

  /** Lets transactions of `client` (the queue's connection) carry stage()'s writes: defines its script there. */
  enableStagingOn(client: Redis): void {
    client.defineCommand('mailrouteCreate', { lua: CREATE });
  }

  /**
   * Adds the writes that store these messages to the caller's MULTI (on a client enableStagingOn()
   * prepared), so that storing them and queueing them happen in one step: a message is never stored
   * without its job, nor queued without its record.
   */
  stage(multi: ChainableCommander, messages: NewMessage[]): EmailRecord[] {
    const now = new Date().toISOString();
    return messages.map(({ email, owner, sendAt }): EmailRecord => {
      const status: EmailStatus = sendAt ? 'scheduled' : 'queued';
      const { attachments, ...rest } = email;
      const infos = attachments.map(infoOf);
      const fields = [
        ['email', JSON.stringify(rest)],
        ['attachments', JSON.stringify(infos)],
        ['status', status],
        ['owner', owner],
        ['createdAt', now],
        ['updatedAt', now],
        ...(sendAt ? [['sendAt', sendAt]] : []),
      ].flat();
      const created = event(status, now, sendAt ? { detail: `due at ${sendAt}` } : {});
      // The bytes are stored once, apart from the record, and read only by the worker that sends.
      const bytes = attachments.length ? JSON.stringify(attachments.map(toStored)) : '';
      const indexes = this.index.keysFor(email, status, owner);
      const keys = [recordKey(email.id), eventsKey(email.id), contentKey(email.id), this.stream.key, ...indexes];
      const score = Date.parse(now);
      const streamOn = this.stream.enabled ? '1' : '0';
      const args = [this.ttlSeconds, email.id, score, this.index.oldestKept(score), created, bytes, streamOn, ...fields];
      multi.mailrouteCreate(keys.length, ...keys, ...args);
      return { email, owner, status, sendAt, createdAt: now, updatedAt: now, attempts: [], attachments: infos };
    });
  }

  async find(id: string): Promise<EmailRecord | undefined> {
    const results = await this.redis.client.multi().hgetall(recordKey(id)).lrange(attemptsKey(id), 0, -1).exec();
    const [[, hash], [, attempts]] = results as [[null, Record<string, string>], [null, string[]]];
    return hash.email ? recordFrom(hash, attempts) : undefined;
  }

  /**
   * Messages matching the query, newest first. `next` is where to continue when the index may hold
   * more (a full page, or a long stretch without matches); undefined when the listing is complete.
   * Records are read as many at a time as could still fit on the page, in one round trip. The work is
   * bounded (MAX_SCAN index entries) and stops early when the caller has gone.
   */
  async list(query: ListQuery): Promise<{ records: EmailRecord[]; next?: Cursor }> {
    const key = this.index.keyFor(query, query.owner);
    const entries = this.index.newestFirst(key, query.since, query.until, query.cursor)[Symbol.asyncIterator]();
    const records: EmailRecord[] = [];
    let scanned = 0;
    let last: Cursor | undefined;
    let pending = await entries.next();
    while (!pending.done) {
      if (records.length === query.limit || scanned === MAX_SCAN || query.signal?.aborted) return { records, next: last };
      const chunk: Cursor[] = [];
      const room = Math.min(query.limit - records.length, MAX_SCAN - scanned);
      for (; !pending.done && chunk.length < room; pending = await entries.next()) chunk.push(pending.value);
      const found = await Promise.all(chunk.map((entry) => this.find(entry.id)));
      await Promise.all(chunk.filter((_, i) => !found[i]).map((entry) => this.index.forget(key, entry.id)));
      records.push(...found.filter((record): record is EmailRecord => record !== undefined && matches(record, query)));
      scanned += chunk.length;
      last = chunk[chunk.length - 1];
    }
    return { records };
  }

  async events(id: string): Promise<EmailEvent[]> {
    return (await this.redis.client.lrange(eventsKey(id), 0, -1)).map((entry) => JSON.parse(entry) as EmailEvent);
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

  /** Cancels a message that has not started sending; returns the status it had (undefined: no such message). */
  async cancel(id: string): Promise<EmailStatus | undefined> {
    return (await this.transition(id, 'cancelled', {}, ['queued', 'scheduled'])) as EmailStatus | undefined;
  }

  /** Back to the queue after a round in which no provider accepted the message. */
  async requeue(id: string, detail: string): Promise<void> {
    await this.transition(id, 'queued', { detail }, ['sending']);
  }

  /** Adds an event that changes no status (a provider's later report); false when the message is gone. */
  async appendEvent(id: string, type: EmailEvent['type'], details: Omit<EmailEvent, 'type' | 'at'>): Promise<boolean> {
    if (!(await this.redis.client.exists(recordKey(id)))) return false;
    const json = event(type, new Date().toISOString(), details);
    const multi = this.redis.client.multi().rpush(eventsKey(id), json);
    this.stream.append(multi, id, json);
    await this.expire(multi, id).exec();
    return true;
  }

  async recordAttempt(id: string, attempt: Attempt): Promise<void> {
    const multi = this.redis.client.multi().rpush(attemptsKey(id), JSON.stringify(attempt));
    if (attempt.outcome === 'failed') {
      const failed = event('attempt_failed', attempt.startedAt, { provider: attempt.provider, detail: attempt.error?.message });
      multi.rpush(eventsKey(id), failed);
      this.stream.append(multi, id, failed);
    }
    await this.expire(multi, id).exec();
  }

  /** The accepting attempt is stored with the status, in the same step. */
  async markSent(id: string, attempt: Attempt & { providerMessageId: string }): Promise<void> {
    const { provider, providerMessageId } = attempt;
    await this.transition(id, 'sent', { provider }, ['sending'], { provider, providerMessageId }, { attempt });
  }

  /** A message waiting for its job that has none any more (see OrphanSweep); false when it moved on meanwhile. */
  async abandon(id: string, error: ErrorDetail): Promise<boolean> {
    const previous = await this.transition(id, 'failed', { detail: error.message }, ['queued', 'scheduled'], { error: JSON.stringify(error) });
    return previous === 'queued' || previous === 'scheduled';
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
    const now = new Date().toISOString();
    const reply = await this.redis.client.mailrouteTransition(
      recordKey(id),
      eventsKey(id),
      attemptsKey(id),
      contentKey(id),
      this.index.allKey,
      this.stream.key,
      target,
      now,
      event(target, now, details),
      this.ttlSeconds,
      JSON.stringify(fields),
      id,
      this.index.statusPrefix,
      this.stream.enabled ? '1' : '0',
      attempt ? JSON.stringify(attempt) : '',
      readBack ? '1' : '0',
      this.index.ownerStatusPrefix('{owner}'),
      ...from,
    );
    return reply ?? undefined;
  }

  private expire(multi: ChainableCommander, id: string): ChainableCommander {
    return multi
      .expire(recordKey(id), this.ttlSeconds)
      .expire(attemptsKey(id), this.ttlSeconds)
      .expire(eventsKey(id), this.ttlSeconds)
      .expire(contentKey(id), this.ttlSeconds);
  }
}

function recordFrom(hash: Record<string, string>, attempts: string[]): EmailRecord {
  return {
    email: { ...(JSON.parse(hash.email) as Omit<OutgoingEmail, 'attachments'>), attachments: [] },
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
  };
}

/** HGETALL's reply as a script returns it: field, value, field, value... */
function hashOf(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) hash[flat[i]] = flat[i + 1];
  return hash;
}

function event(type: EmailEvent['type'], at: string, details: Omit<EmailEvent, 'type' | 'at'>): string {
  return JSON.stringify({ type, at, ...details });
}

function matches({ status, email, owner }: EmailRecord, filter: ListQuery): boolean {
  const recipients = [...email.to, ...email.cc, ...email.bcc].map(({ email: address }) => address.toLowerCase());
  return (
    (filter.owner === undefined || owner === filter.owner) &&
    (!filter.status || status === filter.status) &&
    (!filter.tag || email.tags.includes(filter.tag)) &&
    (!filter.to || recipients.includes(filter.to.toLowerCase()))
  );
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
