import { InjectQueue } from '@nestjs/bull';
import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { Queue } from 'bull';
import { TaskCancelledError, TimeoutStrategy, timeout } from 'cockatiel';
import { DASHBOARD_PATH } from '../dashboard/dashboard.module';
import { MAIL_QUEUE } from '../mail/messages/messages.module';
import { RedisConnection } from '../redis/redis.module';
import { WEBHOOK_QUEUE } from '../webhooks/webhooks.module';
import { QueueCountsDto, QueueDepthDto } from './dto/queue-depth.dto';

const countsTimeout = timeout(2_000, TimeoutStrategy.Aggressive);

/** The queues' jobs by state, as bull-board counts them, for the API. */
@Injectable()
export class QueueDepthReader {
  constructor(
    private readonly redis: RedisConnection,
    @InjectQueue(MAIL_QUEUE) private readonly mail: Queue,
    @InjectQueue(WEBHOOK_QUEUE) private readonly webhooks: Queue,
  ) {}

  /**
   * Bull's client queues commands while Redis is away and waits for a hung one without limit: a PING on
   * the bounded store client fails at once while Redis is down, and the counts are given up on after a
   * timeout, so that the request is answered 503 rather than left open.
   */
  async depth(): Promise<QueueDepthDto> {
    await this.redis.client.ping();
    const queues = await countsTimeout
      .execute(() => Promise.all([this.mail, this.webhooks].map(countsOf)))
      .catch((error: unknown) => {
        throw error instanceof TaskCancelledError ? new ServiceUnavailableException('The queues did not answer in time.') : error;
      });
    return { queues, dashboardPath: DASHBOARD_PATH };
  }
}

async function countsOf(queue: Queue): Promise<QueueCountsDto> {
  // Bull counts `paused` too, though its typings leave it out.
  const counts = (await queue.getJobCounts()) as Awaited<ReturnType<Queue['getJobCounts']>> & { paused: number };
  return { name: queue.name, waiting: counts.waiting, active: counts.active, delayed: counts.delayed, failed: counts.failed, paused: counts.paused };
}
