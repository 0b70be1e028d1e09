import { Injectable } from '@nestjs/common';
import { TimeoutStrategy, timeout } from 'cockatiel';
import { Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '../../metrics/metrics.module';
import { HistoryOutbox } from '../messages/messages.module';

const backlogTimeout = timeout(1_000, TimeoutStrategy.Aggressive);

/** How far PostgreSQL's history is behind Redis: the backlog is read from Redis at scrape time. */
@Injectable()
export class HistoryMetrics {
  private readonly moveSeconds: Histogram;

  constructor(metrics: MetricsRegistry, outbox: HistoryOutbox) {
    this.moveSeconds = metrics.histogram({
      name: 'mailroute_history_move_seconds',
      help: 'From a message becoming final to its final state being in PostgreSQL and the message leaving Redis',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    });
    // Both are read in one go when the first is collected; the registry renders them in this order.
    metrics.gauge({
      name: 'mailroute_history_lag_seconds',
      help: 'How long the oldest final message still in Redis has waited for its move to PostgreSQL (0 when none waits)',
      // A scrape while Redis is away keeps the last values rather than waiting.
      collect: async function (this: Gauge) {
        const backlog = await backlogTimeout.execute(() => outbox.backlog()).catch(() => undefined);
        if (!backlog) return;
        waiting.set(backlog.waiting);
        this.set(backlog.lagSeconds);
      },
    });
    const waiting = metrics.gauge({
      name: 'mailroute_history_backlog_messages',
      help: 'Final messages still in Redis, waiting for their move to PostgreSQL',
    });
  }

  moved(finalAt: string): void {
    this.moveSeconds.observe(Math.max(0, Date.now() - Date.parse(finalAt)) / 1000);
  }
}
