import { InjectQueue } from '@nestjs/bull';
import { ConflictException, GoneException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { Queue } from 'bull';
import { TimeoutStrategy, timeout } from 'cockatiel';
import { Principal, grants } from '../../auth/auth.module';
import { HistoryReader } from '../../database/database.module';
import { ExplainedOutage } from '../../redis/redis.module';
import { DeliveryJob, EmailEvent, EmailRecord, EmailStatus, MAIL_QUEUE, MessageStore, isFinal } from '../messages/messages.module';
import { decodeCursor, encodeCursor } from './email.cursor';
import { DEFAULT_PAGE, ListEmailsQueryDto } from './dto/list-emails.query.dto';

const jobTidyTimeout = timeout(2_000, TimeoutStrategy.Aggressive);
const freshnessTimeout = timeout(1_000, TimeoutStrategy.Aggressive);
const REDIS_AWAY = Symbol('Redis did not answer');
export const HISTORY_UNREACHABLE = 'The message history (PostgreSQL) is unreachable; try again.';
export const CONTENT_GONE = "The message's bodies are no longer kept (MAIL_BODY_RETENTION_DAYS).";

/** A message's bodies; null for one it was sent without. */
export interface EmailContent {
  text: string | null;
  html: string | null;
}

/**
 * What a caller may see of messages and do to them: read one, list, read its events, cancel. A message
 * in flight is read from Redis, one that has finished from PostgreSQL: it leaves Redis only once
 * PostgreSQL holds it, so reading Redis first never misses it. A send key sees its own messages only;
 * an admin key sees everyone's; anything else is a 404 like an unknown id.
 */
@Injectable()
export class ActivityService {
  private readonly logger = new Logger(ActivityService.name);

  constructor(
    private readonly store: MessageStore,
    private readonly history: HistoryReader,
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<DeliveryJob>,
  ) {}

  async find(id: string, caller: Principal): Promise<EmailRecord> {
    const record = (await this.store.find(id)) ?? (await this.fromHistory(() => this.history.find(id)));
    if (!record || !mayAccess(caller, record)) throw new NotFoundException(`No email with id ${id}`);
    return record;
  }

  /**
   * The bodies as they were sent: from Redis while the message is there, then from the history while it
   * keeps them; 410 once it no longer does (the message itself is kept longer than its bodies).
   */
  async content(id: string, caller: Principal): Promise<EmailContent> {
    return (await this.withContent(id, caller)).content;
  }

  /** The message, and its bodies as content() reads them. */
  async withContent(id: string, caller: Principal): Promise<{ record: EmailRecord; content: EmailContent }> {
    const record = await this.find(id, caller);
    // Every message has a body (intake requires text or html), and only Redis's record carries them.
    const inRedis = record.email.text !== undefined || record.email.html !== undefined;
    const bodies = inRedis ? record.email : await this.fromHistory(() => this.history.body(id));
    if (!bodies) throw new GoneException(CONTENT_GONE);
    return { record, content: { text: bodies.text ?? null, html: bodies.html ?? null } };
  }

  /** A send key lists its own messages; an admin key lists everyone's. */
  async list(query: ListEmailsQueryDto, caller: Principal): Promise<{ records: EmailRecord[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const { records, next } = await this.fromHistory(() =>
      this.history.list({
        owner: grants(caller.scope, 'admin') ? undefined : caller.name,
        status: query.status,
        tag: query.tag,
        to: query.to,
        from: query.from,
        subject: query.subject,
        resentFrom: query.resentFrom,
        since: query.since ? Date.parse(query.since) : undefined,
        until: query.until ? Date.parse(query.until) : undefined,
        limit: query.limit ?? DEFAULT_PAGE,
        after,
      }),
    );
    return { records: await this.current(records, query.status), nextCursor: next ? encodeCursor(next) : null };
  }

  /**
   * A finished message's events are PostgreSQL's, followed by the late ones (a provider's later report)
   * still on their way there, so that an event is readable as soon as it is recorded.
   */
  async events(id: string, caller: Principal): Promise<EmailEvent[]> {
    await this.find(id, caller);
    const inFlight = await this.store.events(id);
    if (inFlight) return inFlight;
    const [kept, late] = await Promise.all([this.fromHistory(() => this.history.events(id)), this.store.lateEvents(id)]);
    const seen = new Set(kept.map(eventKey));
    return [...kept, ...late.map(({ event }) => event).filter((event) => !seen.has(eventKey(event)))];
  }

  /** Cancels a scheduled or queued message; 409 once it is sending or done. */
  async cancel(id: string, caller: Principal): Promise<EmailRecord> {
    const found = await this.find(id, caller);
    // Not in Redis any more: it has finished since.
    const previous = (await this.store.cancel(id)) ?? found.status;
    if (previous !== 'queued' && previous !== 'scheduled') {
      throw new ConflictException(`The email is ${previous} and can no longer be cancelled.`);
    }
    // Removing the job only tidies: a job that runs anyway finds the message cancelled and leaves it
    // alone. So it is bounded and its failure ignored, since Bull's connection waits for a hung Redis.
    await jobTidyTimeout.execute(() => this.queue.getJob(id).then((job) => job?.remove())).catch(() => undefined);
    return this.find(id, caller);
  }

  /**
   * PostgreSQL learns of a message in flight a moment after Redis does: such a message is shown as Redis
   * has it now, and left out when it no longer matches the status asked for. While Redis is away the
   * listing still answers, with PostgreSQL's view of those messages.
   */
  private async current(records: EmailRecord[], status: EmailStatus | undefined): Promise<EmailRecord[]> {
    const fresh = await Promise.all(records.map(async (record) => (isFinal(record.status) ? record : this.inRedis(record))));
    return status ? fresh.filter((record) => record.status === status) : fresh;
  }

  private async inRedis(record: EmailRecord): Promise<EmailRecord> {
    const id = record.email.id;
    const now = await freshnessTimeout.execute(() => this.store.find(id)).catch((): typeof REDIS_AWAY => REDIS_AWAY);
    if (now === REDIS_AWAY) return record;
    // Gone from Redis since the query: it finished and moved, so PostgreSQL has its final state now.
    return now ?? (await this.fromHistory(() => this.history.find(id))) ?? record;
  }

  private async fromHistory<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      this.logger.warn(`history read failed: ${(error as Error).message}`);
      throw new ExplainedOutage(HISTORY_UNREACHABLE);
    }
  }
}

const eventKey = ({ type, at, provider, detail }: EmailEvent) => JSON.stringify([type, at, provider, detail]);

/** Messages without an owner predate owners and are an admin's only. */
function mayAccess(caller: Principal, record: EmailRecord): boolean {
  return grants(caller.scope, 'admin') || (record.owner !== undefined && record.owner === caller.name);
}
