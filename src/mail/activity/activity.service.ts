import { InjectQueue } from '@nestjs/bull';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { Queue } from 'bull';
import { TimeoutStrategy, timeout } from 'cockatiel';
import { Principal, grants } from '../../auth/auth.module';
import {
  DeliveryJob,
  EmailEvent,
  EmailRecord,
  MAIL_QUEUE,
  MessageStore,
  decodeCursor,
  encodeCursor,
} from '../messages/messages.module';
import { ListEmailsQueryDto } from './dto/list-emails.query.dto';

const jobTidyTimeout = timeout(2_000, TimeoutStrategy.Aggressive);
const DEFAULT_PAGE = 20;

/**
 * What a caller may see of messages and do to them: read one, list, read its events, cancel. A send key
 * sees its own messages only; an admin key sees everyone's; anything else is a 404 like an unknown id.
 */
@Injectable()
export class ActivityService {
  constructor(
    private readonly store: MessageStore,
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<DeliveryJob>,
  ) {}

  async find(id: string, caller: Principal): Promise<EmailRecord> {
    const record = await this.store.find(id);
    if (!record || !mayAccess(caller, record)) throw new NotFoundException(`No email with id ${id}`);
    return record;
  }

  /** A send key lists its own messages, from its own indexes; an admin key lists everyone's. */
  async list(
    query: ListEmailsQueryDto,
    caller: Principal,
    signal?: AbortSignal,
  ): Promise<{ records: EmailRecord[]; nextCursor: string | null }> {
    const { records, next } = await this.store.list({
      status: query.status,
      tag: query.tag,
      to: query.to,
      since: query.since ? Date.parse(query.since) : 0,
      until: query.until ? Date.parse(query.until) : Number.MAX_SAFE_INTEGER,
      limit: query.limit ?? DEFAULT_PAGE,
      cursor: query.cursor ? decodeCursor(query.cursor) : undefined,
      owner: grants(caller.scope, 'admin') ? undefined : caller.name,
      signal,
    });
    return { records, nextCursor: next ? encodeCursor(next) : null };
  }

  async events(id: string, caller: Principal): Promise<EmailEvent[]> {
    await this.find(id, caller);
    return this.store.events(id);
  }

  /** Cancels a scheduled or queued message; 409 once it is sending or done. */
  async cancel(id: string, caller: Principal): Promise<EmailRecord> {
    await this.find(id, caller);
    const previous = await this.store.cancel(id);
    if (!previous) throw new NotFoundException(`No email with id ${id}`);
    if (previous !== 'queued' && previous !== 'scheduled') {
      throw new ConflictException(`The email is ${previous} and can no longer be cancelled.`);
    }
    // Removing the job only tidies: a job that runs anyway finds the message cancelled and leaves it
    // alone. So it is bounded and its failure ignored, since Bull's connection waits for a hung Redis.
    await jobTidyTimeout.execute(() => this.queue.getJob(id).then((job) => job?.remove())).catch(() => undefined);
    return this.find(id, caller);
  }
}

/** Messages without an owner predate owners and are an admin's only. */
function mayAccess(caller: Principal, record: EmailRecord): boolean {
  return grants(caller.scope, 'admin') || (record.owner !== undefined && record.owner === caller.name);
}
