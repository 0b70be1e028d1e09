import { Injectable } from '@nestjs/common';
import type { Result } from 'ioredis';
import { RedisConnection } from '../../redis/redis.module';
import { EmailEvent, EmailRecord } from './email-record';
import { LateEvent, parseLateEntry } from './late-event';
import { FINISHED_KEY, LATE_EVENTS_KEY, attemptsKey, contentKey, eventsKey, movedKey, recordKey } from './message.keys';
import { recordFrom } from './message.store';

/** How long a moved message's status answers repeats of its Idempotency-Key: the key's own lifetime. */
const MOVED_MARKER_SECONDS = 86_400;

/** A message as Redis holds it: its record with every attempt so far, and every event so far, in order. */
export interface MessageSnapshot {
  record: EmailRecord;
  events: EmailEvent[];
}

/**
 * Removes a final message from Redis only if it is still exactly as the snapshot written to PostgreSQL
 * had it (same update time, as many events and attempts); else something happened since, and it stays
 * for the next write. A message sent with an Idempotency-Key leaves its status behind (see movedKey).
 * KEYS: record, events, attempts, attachment bytes, finished set, moved marker.
 * ARGV: id, updatedAt, events count, attempts count, marker ttl.
 * Returns 1 when removed, 0 when it stays (or was gone already: then it also leaves the finished set).
 */
const RELEASE = `
local updatedAt = redis.call('HGET', KEYS[1], 'updatedAt')
if not updatedAt then
  redis.call('ZREM', KEYS[5], ARGV[1])
  return 0
end
if updatedAt ~= ARGV[2] then return 0 end
if redis.call('LLEN', KEYS[2]) ~= tonumber(ARGV[3]) or redis.call('LLEN', KEYS[3]) ~= tonumber(ARGV[4]) then return 0 end
if redis.call('HGET', KEYS[1], 'keyed') == '1' then
  redis.call('SET', KEYS[6], redis.call('HGET', KEYS[1], 'status'), 'EX', ARGV[5])
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[1])
return 1`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteRelease(...keysThenArgs: (string | number)[]): Result<0 | 1, Context>;
  }
}

/**
 * The Redis side of moving history to PostgreSQL: messages as they are now, the final ones waiting to
 * move (scored by when they became final), the late events, and the removal of what has moved.
 */
@Injectable()
export class HistoryOutbox {
  constructor(private readonly redis: RedisConnection) {
    redis.client.defineCommand('mailrouteRelease', { numberOfKeys: 6, lua: RELEASE });
  }

  /** The messages among `ids` that are in Redis, as they are now; one round trip. */
  async snapshots(ids: string[]): Promise<MessageSnapshot[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.client.pipeline();
    for (const id of ids) pipeline.hgetall(recordKey(id)).lrange(attemptsKey(id), 0, -1).lrange(eventsKey(id), 0, -1);
    const replies = ((await pipeline.exec()) ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    const snapshots: MessageSnapshot[] = [];
    for (let i = 0; i < ids.length; i += 1) {
      const [hash, attempts, events] = replies.slice(3 * i, 3 * i + 3) as [Record<string, string>, string[], string[]];
      if (!hash.email) continue;
      snapshots.push({ record: recordFrom(hash, attempts), events: events.map((entry) => JSON.parse(entry) as EmailEvent) });
    }
    return snapshots;
  }

  /** Removes a final message that PostgreSQL now holds as `snapshot` has it; false when it changed since. */
  async release({ record, events }: MessageSnapshot): Promise<boolean> {
    const id = record.email.id;
    const keys = [recordKey(id), eventsKey(id), attemptsKey(id), contentKey(id), FINISHED_KEY, movedKey(id)];
    const released = await this.redis.client.mailrouteRelease(...keys, id, record.updatedAt, events.length, record.attempts.length, MOVED_MARKER_SECONDS);
    return released === 1;
  }

  /** Up to `count` final messages still in Redis that became final before `before` (ms), oldest first. */
  async finishedBefore(before: number, count: number): Promise<string[]> {
    return this.redis.client.zrangebyscore(FINISHED_KEY, '-inf', before, 'LIMIT', 0, count);
  }

  /** How many final messages wait to move, and for how long the oldest has (0 when none waits). */
  async backlog(): Promise<{ waiting: number; lagSeconds: number }> {
    const [[, waiting], [, oldest]] = (await this.redis.client.multi().zcard(FINISHED_KEY).zrange(FINISHED_KEY, 0, 0, 'WITHSCORES').exec()) as [
      [null, number],
      [null, string[]],
    ];
    return { waiting, lagSeconds: oldest.length ? Math.max(0, Date.now() - Number(oldest[1])) / 1000 : 0 };
  }

  /** Up to `count` late events, oldest first, each with the entry that removes it once written. */
  async lateEvents(count: number): Promise<{ event: LateEvent; entry: string }[]> {
    const entries = await this.redis.client.zrange(LATE_EVENTS_KEY, 0, count - 1);
    return entries.map((entry) => ({ entry, event: parseLateEntry(entry) }));
  }

  async removeLateEvents(entries: string[]): Promise<void> {
    if (entries.length > 0) await this.redis.client.zrem(LATE_EVENTS_KEY, ...entries);
  }
}
