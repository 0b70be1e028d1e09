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
import { ClusterMetrics } from './cluster-metrics';

const depthTimeout = timeout(1_000, TimeoutStrategy.Aggressive);
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * One Prometheus registry per application (never prom-client's global one, so two apps in one process
 * do not collide). Modules create their instruments here; queues are watched by name. `clustered`: the
 * process serves under a MAIL_PROCESSES primary, and a scrape answers with every process's metrics
 * (ClusterMetrics).
 */
export class MetricsRegistry {
  readonly registry = new Registry();
  private readonly queues: Queue[] = [];
  private readonly cluster?: ClusterMetrics;

  constructor({ clustered }: { clustered: boolean }) {
    collectDefaultMetrics({ register: this.registry });
    if (clustered) this.cluster = new ClusterMetrics(this.registry);
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

  /**
   * Every gauge mailroute declares reads state the processes share (Redis): over several processes the
   * largest reading stands for the host, where a sum would count it once per process.
   */
  gauge<T extends string>(config: GaugeConfiguration<T>): Gauge<T> {
    return new Gauge({ aggregator: 'max', ...config, registers: [this.registry] });
  }

  histogram<T extends string>(config: HistogramConfiguration<T>): Histogram<T> {
    return new Histogram({ ...config, registers: [this.registry] });
  }

  /** Adds `queue` to mailroute_queue_jobs. */
  watchQueue(queue: Queue): void {
    this.queues.push(queue);
  }

  render(): Promise<string> {
    return this.cluster ? this.cluster.fetch() : this.registry.metrics();
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
