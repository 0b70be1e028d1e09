import { Injectable, Logger } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/config.module';
import { RedisConnection } from '../../redis/redis.module';
import { EmailEvent } from './email-record';

const KEY = 'mailroute:events';
/** Bounds the stream for a consumer that is away for long; events are also kept on each message. */
const MAX_LENGTH = 100_000;
/**
 * The stream goes a week after its last event, like the webhook deliveries made from it (and its
 * consumer group with it: consumers create the group again). A stream left behind when webhooks are
 * turned off, with its events, goes then too.
 */
const KEEP_SECONDS = 7 * 86_400;
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
 * the message (a transactional outbox), for consumers such as the webhooks. Consumers read through a
 * consumer group, so each event is handled once across workers, and events a dead worker took are
 * claimed again. Only written while some consumer is configured.
 */
@Injectable()
export class EmailEventStream {
  readonly key = KEY;
  readonly enabled: boolean;
  private readonly logger = new Logger(EmailEventStream.name);

  constructor(
    private readonly redis: RedisConnection,
    config: AppConfig,
  ) {
    this.enabled = config.webhooks !== undefined;
  }

  append(multi: ChainableCommander, emailId: string, eventJson: string): void {
    if (!this.enabled) return;
    multi.xadd(KEY, 'MAXLEN', '~', MAX_LENGTH, '*', 'emailId', emailId, 'event', eventJson).expire(KEY, KEEP_SECONDS);
  }

  /**
   * Hands each event to `handle` until `stopped()` says so; an event is acknowledged only after
   * `handle` resolved, so a crash in between leaves it to be claimed again. A failure (Redis unreachable,
   * `handle` failing) is logged and the consumer tries again a moment later: it stops only when told to.
   */
  async consume(group: string, handle: (event: StreamedEvent) => Promise<void>, stopped: () => boolean): Promise<void> {
    // A blocking read needs a connection of its own.
    const reader = this.redis.client.duplicate({ commandTimeout: BLOCK_MS * 5 });
    const consumer = `${group}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    // ioredis keeps reconnecting after a failed first connect; the loop's commands fail until it has.
    await reader.connect().catch(() => undefined);
    let hasGroup = false;
    try {
      while (!stopped()) {
        try {
          if (!hasGroup) await createGroup(reader, group);
          hasGroup = true;
          await this.handleNext(reader, group, consumer, handle);
        } catch (error) {
          if (isStreamGone(error as Error)) hasGroup = false;
          else await this.pauseAfter(error as Error, group, stopped);
        }
      }
    } finally {
      reader.disconnect();
    }
  }

  private async handleNext(reader: Redis, group: string, consumer: string, handle: (event: StreamedEvent) => Promise<void>): Promise<void> {
    for (const [id, fields] of await this.nextEntries(reader, group, consumer)) {
      await handle(parse(fields));
      await reader.xack(KEY, group, id);
    }
  }

  private async pauseAfter(error: Error, group: string, stopped: () => boolean): Promise<void> {
    if (stopped()) return;
    this.logger.warn(`event stream consumer ${group}: ${error.message}; trying again in ${RETRY_AFTER_FAILURE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_FAILURE_MS));
  }

  private async nextEntries(reader: Redis, group: string, consumer: string): Promise<[string, string[]][]> {
    return [...(await this.claimAbandoned(reader, group, consumer)), ...(await this.readNew(reader, group, consumer))];
  }

  private async readNew(reader: Redis, group: string, consumer: string): Promise<[string, string[]][]> {
    const result = (await reader.xreadgroup('GROUP', group, consumer, 'COUNT', 100, 'BLOCK', BLOCK_MS, 'STREAMS', KEY, '>')) as
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

/** Creates the group, and the stream when there is none; a stream created here expires like any other. */
async function createGroup(reader: Redis, group: string): Promise<void> {
  await reader.xgroup('CREATE', KEY, group, '0', 'MKSTREAM').catch((error: Error) => {
    if (!error.message.includes('BUSYGROUP')) throw error;
  });
  await reader.expire(KEY, KEEP_SECONDS);
}

/** The stream expired (or was deleted) since the group was created, taking the group with it. */
function isStreamGone(error: Error): boolean {
  return error.message.startsWith('NOGROUP') || error.message.includes('no longer exists');
}

function parse(fields: string[]): StreamedEvent {
  const map = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  return { emailId: map.get('emailId')!, event: JSON.parse(map.get('event')!) as EmailEvent };
}
