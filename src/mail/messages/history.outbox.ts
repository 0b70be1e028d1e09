import { Injectable } from '@nestjs/common';
import type { Result } from 'ioredis';
import { RedisConnection } from '../../redis/redis.module';
import { EmailEvent, EmailRecord } from './email-record';
import { LateEvent, parseLateEntry } from './late-event';
import { FINISHED_KEY, LATE_EVENTS_KEY, attemptsKey, contentKey, eventsKey, movedKey, recordKey } from './message.keys';
import { hashOf, recordFrom } from './message.store';

/** How long a moved message's status answers repeats of its Idempotency-Key: the key's own lifetime. */
const MOVED_MARKER_SECONDS = 86_400;

/** A message as Redis holds it: its record with every attempt so far, and every event so far, in order. */
export interface MessageSnapshot {
  record: EmailRecord;
  events: EmailEvent[];
}

/**
 * The messages as they are now: for each, its record's fields, its attempts and its events.
 * KEYS: record, attempts, events of each message in turn. Returns three replies a message, in KEYS order.
 */
const SNAPSHOTS = `
local replies = {}
for k = 1, #KEYS, 3 do
  replies[#replies + 1] = redis.call('HGETALL', KEYS[k])
  replies[#replies + 1] = redis.call('LRANGE', KEYS[k + 1], 0, -1)
  replies[#replies + 1] = redis.call('LRANGE', KEYS[k + 2], 0, -1)
end
return replies`;

/**
 * Removes each final message from Redis only if it is still exactly as the snapshot written to
 * PostgreSQL had it (same update time, as many events and attempts); else something happened since,
 * and it stays for the next write. A message sent with an Idempotency-Key leaves its status behind (see
 * movedKey).
 * KEYS: the finished set, then for each message: record, events, attempts, attachment bytes, moved marker.
 * ARGV: the marker's ttl, then for each message: id, updatedAt, events count, attempts count.
 * Returns for each message 1 when removed, 0 when it stays (or was gone already: then it also leaves the
 * finished set).
 */
const RELEASE = `
local released = {}
for m = 0, (#KEYS - 1) / 5 - 1 do
  local k, a = 1 + m * 5, 1 + m * 4
  local updatedAt = redis.call('HGET', KEYS[k + 1], 'updatedAt')
  local result = 0
  if not updatedAt then
    redis.call('ZREM', KEYS[1], ARGV[a + 1])
  elseif updatedAt == ARGV[a + 2]
    and redis.call('LLEN', KEYS[k + 2]) == tonumber(ARGV[a + 3])
    and redis.call('LLEN', KEYS[k + 3]) == tonumber(ARGV[a + 4]) then
    if redis.call('HGET', KEYS[k + 1], 'keyed') == '1' then
      redis.call('SET', KEYS[k + 5], redis.call('HGET', KEYS[k + 1], 'status'), 'EX', ARGV[1])
    end
    redis.call('DEL', KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4])
    redis.call('ZREM', KEYS[1], ARGV[a + 1])
    result = 1
  end
  released[m + 1] = result
end
return released`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteSnapshots(keyCount: number, ...keys: string[]): Result<unknown[], Context>;
    mailrouteRelease(keyCount: number, ...keysThenArgs: (string | number)[]): Result<(0 | 1)[], Context>;
  }
}

/**
 * The Redis side of moving history to PostgreSQL: messages as they are now, the final ones waiting to
 * move (scored by when they became final), the late events, and the removal of what has moved.
 */
@Injectable()
export class HistoryOutbox {
  constructor(private readonly redis: RedisConnection) {
    redis.client.defineCommand('mailrouteSnapshots', { lua: SNAPSHOTS });
    redis.client.defineCommand('mailrouteRelease', { lua: RELEASE });
  }

  /**
   * The messages among `ids` that are in Redis, as they are now: one script call for the batch, where a
   * pipeline cost the worker's Redis client three commands a message.
   */
  async snapshots(ids: string[]): Promise<MessageSnapshot[]> {
    if (ids.length === 0) return [];
    const keys = ids.flatMap((id) => [recordKey(id), attemptsKey(id), eventsKey(id)]);
    const replies = await this.redis.client.mailrouteSnapshots(keys.length, ...keys);
    const snapshots: MessageSnapshot[] = [];
    for (let i = 0; i < replies.length; i += 3) {
      const [fields, attempts, events] = replies.slice(i, i + 3) as [string[], string[], string[]];
      const hash = hashOf(fields);
      if (!hash.email) continue;
      snapshots.push({ record: recordFrom(hash, attempts), events: events.map((entry) => JSON.parse(entry) as EmailEvent) });
    }
    return snapshots;
  }

  /** Removes the final messages that PostgreSQL now holds as their snapshots have them; returns those removed (the others changed since). */
  async release(snapshots: MessageSnapshot[]): Promise<MessageSnapshot[]> {
    if (snapshots.length === 0) return [];
    const keys = [FINISHED_KEY, ...snapshots.flatMap(({ record: { email } }) => [recordKey(email.id), eventsKey(email.id), attemptsKey(email.id), contentKey(email.id), movedKey(email.id)])];
    const args = snapshots.flatMap(({ record, events }) => [record.email.id, record.updatedAt, events.length, record.attempts.length]);
    const released = await this.redis.client.mailrouteRelease(keys.length, ...keys, MOVED_MARKER_SECONDS, ...args);
    return snapshots.filter((_, index) => released[index] === 1);
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
