import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationShutdown, ServiceUnavailableException } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { TimeoutStrategy, timeout } from 'cockatiel';
import type Redis from 'ioredis';
import { once } from 'node:events';
import { addJobs, jobTransactionClient } from '../../common/jobs-in-transaction';
import { RedisConnection } from '../../redis/redis.module';
import { DeliveryJob, EmailRecord, MAIL_QUEUE, MessageStore, NewMessage } from '../messages/messages.module';

/**
 * The write takes no signal, so there is nothing to abort once it returns: cockatiel's abort on return
 * (a DOMException each time) was 4% of an accepted email's CPU.
 */
const storeTimeout = timeout(5_000, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
const CONNECT_WAIT_MS = 2_000;
export const NOT_STORED = 'The message could not be stored, so it was not accepted; try again.';

/** A 503 for a write that certainly did not happen (as opposed to one whose outcome is unknown). */
export class NotSentError extends ServiceUnavailableException {}

/**
 * Stores messages and queues their jobs in one MULTI: one round trip, applied by Redis as a unit, so a
 * message is never stored without its job nor queued without its record.
 */
@Injectable()
export class MessageWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(MessageWriter.name);
  /** The transactions' own connection, with only the scripts they run (see jobTransactionClient). */
  private readonly client: Redis;

  constructor(
    private readonly store: MessageStore,
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<DeliveryJob>,
    redis: RedisConnection,
  ) {
    this.client = jobTransactionClient(redis.options);
    // The message only: ioredis attaches the failed command to its errors, and for AUTH that is the password.
    this.client.on('error', (error: Error) => this.logger.warn(`Redis connection error: ${error.message}`));
    store.enableStagingOn(this.client);
  }

  /** After the HTTP server has closed, so no accept is under way. */
  onApplicationShutdown(): void {
    this.client.disconnect();
  }

  /**
   * The MULTI is only sent on a connected client: parked in the client's offline queue instead, it could
   * be applied long after the caller was told 503.
   */
  async write(messages: NewMessage[]): Promise<EmailRecord[]> {
    await this.connected();
    const jobs = messages.map(({ email, sendAt }) => ({ data: { id: email.id }, opts: jobOptions(email.id, sendAt) }));
    const write = async () => {
      const multi = this.client.multi();
      const records = this.store.stage(multi, messages);
      addJobs(multi, this.queue, jobs);
      failOnCommandError(await multi.exec());
      return records;
    };
    return storeTimeout.execute(write).catch((error: Error) => this.unavailable(error));
  }

  /** Waits a moment for a connection that is being (re)established, as just after start; else 503. */
  private async connected(): Promise<void> {
    const client = this.client;
    if (client.status === 'ready') return;
    await once(client, 'ready', { signal: AbortSignal.timeout(CONNECT_WAIT_MS) }).catch(() =>
      this.unavailable(new NotSentError(`Redis connection is ${client.status}`)),
    );
  }

  /** Logs a failed write and turns it into the 503 the caller answers. */
  unavailable(error: Error): never {
    this.logger.error(`Redis write failed: ${error.message}`);
    if (error instanceof NotSentError) throw new NotSentError(NOT_STORED);
    throw new ServiceUnavailableException(NOT_STORED);
  }
}

function jobOptions(id: string, sendAt: string | undefined): JobOptions & { jobId: string } {
  return sendAt ? { jobId: id, delay: Math.max(0, Date.parse(sendAt) - Date.now()) } : { jobId: id };
}

/** EXEC answers each command's error in place; one failed write means the message was not stored. */
function failOnCommandError(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('the transaction was discarded');
  const failed = results.find(([error]) => error !== null);
  if (failed) throw failed[0] as Error;
}
