import { BadRequestException, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/config.module';
import type { OutgoingEmail } from '../providers/providers.module';
import { RedisConnection } from '../redis/redis.module';
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
 * Sorted sets of message ids scored by creation time: all messages, per status, per tag and per
 * recipient. The store writes them in the same MULTI or script as the message, so they follow every
 * status change; entries older than the retention are trimmed on write, and ids whose message has
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
  }

  /** The indexes a new message belongs in. */
  keysFor(email: OutgoingEmail, status: EmailStatus): string[] {
    const recipients = new Set([...email.to, ...email.cc, ...email.bcc].map(({ email: address }) => address.toLowerCase()));
    return [
      this.allKey,
      this.statusPrefix + status,
      ...email.tags.map((tag) => tagKey(tag)),
      ...[...recipients].map((address) => recipientKey(address)),
    ];
  }

  /** Entries scored before this are past the retention and trimmed when an index is written. */
  oldestKept(now: number): number {
    return now - this.retentionMs;
  }

  /** The most selective index for a filter; the other criteria are checked on the messages. */
  keyFor({ status, tag, to }: IndexFilter): string {
    if (to) return recipientKey(to.toLowerCase());
    if (tag) return tagKey(tag);
    if (status) return this.statusPrefix + status;
    return this.allKey;
  }

  /**
   * Ids from `key`, newest first, between `since` and `until` (ms) and after `cursor`, PAGE at a time;
   * `next()` of the generator's result tells whether the index holds more.
   */
  async *newestFirst(key: string, since: number, until: number, cursor?: Cursor): AsyncGenerator<Cursor> {
    let max = cursor ? Math.min(cursor.score, until) : until;
    let skipUpTo = cursor;
    for (;;) {
      const flat = await this.redis.client.zrevrangebyscore(key, max, since, 'WITHSCORES', 'LIMIT', 0, PAGE);
      const entries: Cursor[] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i], score: Number(flat[i + 1]) });
      for (const entry of entries) {
        // Same-time entries come in reverse id order; those up to the cursor were on earlier pages.
        if (skipUpTo && entry.score === skipUpTo.score && entry.id >= skipUpTo.id) continue;
        yield entry;
      }
      if (entries.length < PAGE) return;
      const last = entries[entries.length - 1];
      skipUpTo = last;
      max = last.score;
    }
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

const tagKey = (tag: string) => `mailroute:index:tag:${tag}`;
const recipientKey = (address: string) => `mailroute:index:to:${address}`;
