import type { Queue } from 'bull';
import { TimeoutStrategy, timeout } from 'cockatiel';
import {
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';

const depthTimeout = timeout(1_000, TimeoutStrategy.Aggressive);
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * One Prometheus registry per application (never prom-client's global one, so two apps in one process
 * do not collide). Modules create their instruments here; queues are watched by name.
 */
export class MetricsRegistry {
  readonly registry = new Registry();
  private readonly queues: Queue[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const queues = this.queues;
    this.gauge({
      name: 'mailroute_queue_jobs',
      help: 'Jobs in each Bull queue by state, read from Redis at scrape time',
      labelNames: ['queue', 'state'],
      collect: async function (this: Gauge<'queue' | 'state'>) {
        await Promise.all(queues.map((queue) => recordDepth(this, queue)));
      },
    });
  }

  counter<T extends string>(config: CounterConfiguration<T>): Counter<T> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  gauge<T extends string>(config: GaugeConfiguration<T>): Gauge<T> {
    return new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<T extends string>(config: HistogramConfiguration<T>): Histogram<T> {
    return new Histogram({ ...config, registers: [this.registry] });
  }

  /** Adds `queue` to mailroute_queue_jobs. */
  watchQueue(queue: Queue): void {
    this.queues.push(queue);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

async function recordDepth(gauge: Gauge<'queue' | 'state'>, queue: Queue): Promise<void> {
  // A scrape while Redis is down still answers, with the process metrics; the queue series keep their
  // last values rather than the scrape waiting on Bull's reconnecting client.
  const counts = await depthTimeout.execute(() => queue.getJobCounts()).catch(() => undefined);
  if (!counts) return;
  for (const state of QUEUE_STATES) gauge.set({ queue: queue.name, state }, counts[state] ?? 0);
}
