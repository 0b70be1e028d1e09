import { BadRequestException, Injectable } from '@nestjs/common';
import type { Result } from 'ioredis';
import { AppConfig } from '../../config/config.module';
import type { OutgoingEmail } from '../../providers/providers.module';
import { RedisConnection } from '../../redis/redis.module';
import { EmailStatus } from './email-record';

const DAY_MS = 86_400_000;
const PAGE = 200;

/** Where a page ended: the creation time and id of its last message. */
export interface Cursor {
  score: number;
  id: string;
}

export interface IndexFilter {
  status?: EmailStatus;
  tag?: string;
  to?: string;
}

/**
 * One page of an index in the listing's total order: creation time, then id, both descending. Entries
 * of one creation time (a batch shares one) sort by id, so a cursor inside such a group is found by a
 * binary search over ranks: bounded work however large the group, where reading "everything at this
 * score" again would not be. Ids are UUIDs of one fixed format, so Lua's string comparison orders them
 * as Redis does.
 * KEYS: the index. ARGV: until (ms), since (ms), cursor score ('' for none), cursor id, count.
 * Returns id, score, id, score...
 */
const PAGE_SCRIPT = `
local key = KEYS[1]
local start
if ARGV[3] == '' then
  start = redis.call('ZCOUNT', key, '(' .. ARGV[1], '+inf')
else
  local lo = redis.call('ZCOUNT', key, '(' .. ARGV[3], '+inf')
  local hi = lo + redis.call('ZCOUNT', key, ARGV[3], ARGV[3])
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if redis.call('ZREVRANGE', key, mid, mid)[1] < ARGV[4] then hi = mid else lo = mid + 1 end
  end
  start = lo
end
local since = tonumber(ARGV[2])
local flat = redis.call('ZREVRANGE', key, start, start + tonumber(ARGV[5]) - 1, 'WITHSCORES')
local page = {}
for i = 1, #flat, 2 do
  if tonumber(flat[i + 1]) < since then break end
  page[#page + 1] = flat[i]
  page[#page + 1] = flat[i + 1]
end
return page`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteIndexPage(key: string, until: number, since: number, score: string, id: string, count: number): Result<string[], Context>;
  }
}

/**
 * Sorted sets of message ids scored by creation time: all messages, per status, per tag and per
 * recipient, each kept once for everyone (what an admin key lists) and once per owner (what a send key
 * lists), so that a listing reads only what its caller may see. The store writes them in the same
 * script as the message, so they follow every status change; entries older than the retention are
 * trimmed on write, every index key expires a retention after its last write, and ids whose message has
 * expired are skipped (and removed) on read.
 */
@Injectable()
export class MessageIndex {
  readonly allKey = 'mailroute:index:all';
  readonly statusPrefix = 'mailroute:index:status:';
  private readonly retentionMs: number;

  constructor(
    private readonly redis: RedisConnection,
    config: AppConfig,
  ) {
    this.retentionMs = config.mail.retentionDays * DAY_MS;
    redis.client.defineCommand('mailrouteIndexPage', { numberOfKeys: 1, lua: PAGE_SCRIPT });
  }

  /** The indexes a new message belongs in: everyone's and its owner's. */
  keysFor(email: OutgoingEmail, status: EmailStatus, owner: string): string[] {
    const recipients = new Set([...email.to, ...email.cc, ...email.bcc].map(({ email: address }) => address.toLowerCase()));
    const filters: IndexFilter[] = [{}, { status }, ...email.tags.map((tag) => ({ tag })), ...[...recipients].map((to) => ({ to }))];
    return filters.flatMap((filter) => [this.keyFor(filter), this.keyFor(filter, owner)]);
  }

  /** The status indexes' prefix of an owner's indexes; the store moves entries between them on a status change. */
  ownerStatusPrefix(owner: string): string {
    return `${ownerPrefix(owner)}status:`;
  }

  /** Entries scored before this are past the retention and trimmed when an index is written. */
  oldestKept(now: number): number {
    return now - this.retentionMs;
  }

  /**
   * The most selective index for a filter, among everyone's or, with `owner`, that owner's; the other
   * criteria are checked on the messages.
   */
  keyFor({ status, tag, to }: IndexFilter, owner?: string): string {
    const prefix = owner === undefined ? 'mailroute:index:' : ownerPrefix(owner);
    if (to) return `${prefix}to:${to.toLowerCase()}`;
    if (tag) return `${prefix}tag:${tag}`;
    if (status) return `${prefix}status:${status}`;
    return `${prefix}all`;
  }

  /**
   * Ids from `key`, newest first (then by id), between `since` and `until` (ms) and after `cursor`,
   * PAGE at a time; each page costs the same bounded work wherever the cursor stands.
   */
  async *newestFirst(key: string, since: number, until: number, cursor?: Cursor): AsyncGenerator<Cursor> {
    let after = cursor && cursor.score <= until ? cursor : undefined;
    for (;;) {
      const flat = await this.redis.client.mailrouteIndexPage(key, until, since, after ? String(after.score) : '', after?.id ?? '', PAGE);
      for (let i = 0; i < flat.length; i += 2) {
        after = { id: flat[i], score: Number(flat[i + 1]) };
        yield after;
      }
      if (flat.length < PAGE * 2) return;
    }
  }

  /**
   * Some ids of messages in `status` (everyone's index), from where `cursor` left off: `next` is '0'
   * once the whole index was walked. ZSCAN, so that walking a long index is spread over many calls.
   */
  async scanStatus(status: EmailStatus, cursor: string, count: number): Promise<{ ids: string[]; next: string }> {
    const [next, flat] = await this.redis.client.zscan(this.keyFor({ status }), cursor, 'COUNT', count);
    return { ids: flat.filter((_, i) => i % 2 === 0), next };
  }

  async forget(key: string, id: string): Promise<void> {
    await this.redis.client.zrem(key, id);
  }
}

export function encodeCursor({ score, id }: Cursor): string {
  return Buffer.from(`${score}:${id}`).toString('base64url');
}

export function decodeCursor(value: string): Cursor {
  const [score, id] = Buffer.from(value, 'base64url').toString().split(':');
  if (!/^\d+$/.test(score ?? '') || !/^[0-9a-f-]{36}$/.test(id ?? '')) {
    throw new BadRequestException(['cursor is not one this API returned']);
  }
  return { score: Number(score), id };
}

/** API key names are letters, digits and `_.-` (see API_KEYS), so an owner cannot reach into another's keys. */
const ownerPrefix = (owner: string) => `mailroute:index:owner:${owner}:`;
