import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnection } from '../../redis/redis.module';
import { EmailEvent } from './email-record';

const KEY = 'mailroute:events';
/**
 * Bounds the stream while a consumer is away for long (PostgreSQL down for the history writer): nothing
 * is lost by trimming, since each message keeps its events in Redis until they are in PostgreSQL, but a
 * webhook receiver would miss the trimmed events. Normally trimHandled() keeps the stream far shorter,
 * which is why it needs no expiry. The scripts that append to it (message.store.ts) use it.
 */
export const STREAM_MAX_LENGTH = 100_000;
const BLOCK_MS = 1_000;
/** A consumer that has not acknowledged an event for this long is taken to be dead. */
const CLAIM_IDLE_MS = 30_000;
const RETRY_AFTER_FAILURE_MS = 1_000;

export interface StreamedEvent {
  emailId: string;
  event: EmailEvent;
}

/**
 * Every event of every message, appended to a Redis stream in the same transaction that records it on
 * the message (a transactional outbox), for the history writer and the webhooks. Consumers read through
 * a consumer group, so each event is handled once across a group's workers, and events a dead worker
 * took are claimed again.
 */
@Injectable()
export class EmailEventStream {
  readonly key = KEY;
  private readonly logger = new Logger(EmailEventStream.name);

  constructor(private readonly redis: RedisConnection) {}

  /**
   * Hands the events to `handle`, a batch at a time, until `stopped()` says so; a batch is acknowledged
   * only after `handle` resolved, so a crash in between leaves it to be claimed again. A failure (Redis
   * unreachable, `handle` failing) is logged and the consumer tries again a moment later: it stops only
   * when told to.
   */
  async consume(group: string, handle: (events: StreamedEvent[]) => Promise<void>, stopped: () => boolean): Promise<void> {
    // A blocking read needs a connection of its own.
    const reader = this.redis.client.duplicate({ commandTimeout: BLOCK_MS * 5 });
    const consumer = `${group}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    // ioredis keeps reconnecting after a failed first connect; the loop's commands fail until it has.
    await reader.connect().catch(() => undefined);
    let hasGroup = false;
    // After a failure the batch stays this consumer's, unacknowledged: it is handled again first.
    let retryOwn = false;
    try {
      while (!stopped()) {
        try {
          if (!hasGroup) await createGroup(reader, group);
          hasGroup = true;
          retryOwn = await this.handleNext(reader, group, consumer, handle, retryOwn);
        } catch (error) {
          retryOwn = true;
          if (isStreamGone(error as Error)) hasGroup = false;
          else await this.pauseAfter(error as Error, group, stopped);
        }
      }
    } finally {
      reader.disconnect();
    }
  }

  /** Handles the next batch: this consumer's own unacknowledged one when `own`; returns whether to look there again. */
  private async handleNext(
    reader: Redis,
    group: string,
    consumer: string,
    handle: (events: StreamedEvent[]) => Promise<void>,
    own: boolean,
  ): Promise<boolean> {
    const entries = own ? await this.read(reader, group, consumer, '0') : await this.nextEntries(reader, group, consumer);
    if (entries.length === 0) return false;
    await handle(entries.map(([, fields]) => parse(fields)));
    await reader.xack(KEY, group, ...entries.map(([id]) => id));
    return own;
  }

  /** Ends a consumer group for good (its events are no longer wanted); a failure only leaves it for next time. */
  async dropGroup(group: string): Promise<void> {
    await this.redis.client.xgroup('DESTROY', KEY, group).catch(() => undefined);
  }

  /**
   * Drops the entries every consumer group has acknowledged, so that the stream holds what is still to
   * be handled rather than the last STREAM_MAX_LENGTH events: Redis memory follows the traffic in flight.
   */
  async trimHandled(): Promise<void> {
    const groups = (await this.redis.client.xinfo('GROUPS', KEY).catch(() => [])) as unknown[][];
    const oldest = await Promise.all(groups.map((group) => this.oldestUnhandled(fieldsOf(group))));
    if (oldest.length === 0) return;
    const minId = oldest.reduce((a, b) => (compareIds(a, b) <= 0 ? a : b));
    await this.redis.client.xtrim(KEY, 'MINID', minId);
  }

  /** The first entry a group still has to acknowledge: its oldest pending one, else the first after the last it read. */
  private async oldestUnhandled(group: Map<string, unknown>): Promise<string> {
    const [, firstPending] = (await this.redis.client.xpending(KEY, String(group.get('name')))) as [number, string | null];
    if (firstPending) return firstPending;
    const [ms, seq] = String(group.get('last-delivered-id')).split('-').map(Number);
    return `${ms}-${seq + 1}`;
  }

  private async pauseAfter(error: Error, group: string, stopped: () => boolean): Promise<void> {
    if (stopped()) return;
    this.logger.warn(`event stream consumer ${group}: ${error.message}; trying again in ${RETRY_AFTER_FAILURE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_FAILURE_MS));
  }

  private async nextEntries(reader: Redis, group: string, consumer: string): Promise<[string, string[]][]> {
    return [...(await this.claimAbandoned(reader, group, consumer)), ...(await this.read(reader, group, consumer, '>'))];
  }

  /** `>`: entries no consumer has had yet (waiting up to BLOCK_MS for some); `0`: this consumer's unacknowledged ones. */
  private async read(reader: Redis, group: string, consumer: string, from: '>' | '0'): Promise<[string, string[]][]> {
    const result = (await reader.xreadgroup('GROUP', group, consumer, 'COUNT', 100, 'BLOCK', BLOCK_MS, 'STREAMS', KEY, from)) as
      | [string, [string, string[]][]][]
      | null;
    return result?.[0]?.[1] ?? [];
  }

  private async claimAbandoned(reader: Redis, group: string, consumer: string): Promise<[string, string[]][]> {
    const [, entries] = (await reader.xautoclaim(KEY, group, consumer, CLAIM_IDLE_MS, '0', 'COUNT', 100)) as [
      string,
      [string, string[]][],
    ];
    return entries.filter(([, fields]) => fields !== null);
  }
}

/** Creates the group, and the stream when there is none. */
async function createGroup(reader: Redis, group: string): Promise<void> {
  await reader.xgroup('CREATE', KEY, group, '0', 'MKSTREAM').catch((error: Error) => {
    if (!error.message.includes('BUSYGROUP')) throw error;
  });
}

/** The stream was deleted (FLUSHALL, an operator) since the group was created, taking the group with it. */
function isStreamGone(error: Error): boolean {
  return error.message.startsWith('NOGROUP') || error.message.includes('no longer exists');
}

/** XINFO's reply: name, value, name, value... */
function fieldsOf(flat: unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (let i = 0; i < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]);
  return map;
}

function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt);
  const [bMs, bSeq] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

function parse(fields: string[]): StreamedEvent {
  const map = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  return { emailId: map.get('emailId')!, event: JSON.parse(map.get('event')!) as EmailEvent };
}
