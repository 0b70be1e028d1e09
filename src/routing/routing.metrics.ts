import { Injectable } from '@nestjs/common';
import { TimeoutStrategy, timeout } from 'cockatiel';
import { Gauge } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics.module';
import { ProviderRouter, ProviderStatus } from './provider-router.service';
import { BreakerState } from './shared-circuit-breaker';

const BREAKER_STATES: BreakerState[] = ['closed', 'open', 'half-open'];
const statusTimeout = timeout(1_000, TimeoutStrategy.Aggressive);

/**
 * Per-provider routing state, read from Redis when Prometheus scrapes (the state is shared by every
 * worker, so any process reports the same values).
 */
@Injectable()
export class RoutingMetrics {
  private readonly breaker: Gauge<'provider' | 'state'>;
  private readonly score: Gauge<'provider'>;
  private readonly enabled: Gauge<'provider'>;
  private refreshing?: Promise<void>;

  constructor(metrics: MetricsRegistry, router: ProviderRouter) {
    // prom-client collects every metric of a scrape at once: the three share one Redis read.
    const refresh = () => (this.refreshing ??= this.refresh(router).finally(() => (this.refreshing = undefined)));
    this.breaker = metrics.gauge({
      name: 'mailroute_provider_breaker_state',
      help: "1 for the provider's current circuit breaker state (closed, open, half-open), 0 for the others",
      labelNames: ['provider', 'state'],
      collect: refresh,
    });
    this.score = metrics.gauge({
      name: 'mailroute_provider_score',
      help: 'Health score in [0, 1] the score strategy orders providers by',
      labelNames: ['provider'],
      collect: refresh,
    });
    this.enabled = metrics.gauge({
      name: 'mailroute_provider_enabled',
      help: '1 while an operator has not switched the provider off',
      labelNames: ['provider'],
      collect: refresh,
    });
  }

  private async refresh(router: ProviderRouter): Promise<void> {
    const statuses = await statusTimeout.execute(() => router.statuses()).catch(() => []);
    statuses.forEach((status) => this.record(status));
  }

  private record({ name, breaker, score, enabled }: ProviderStatus): void {
    BREAKER_STATES.forEach((state) => this.breaker.set({ provider: name, state }, state === breaker ? 1 : 0));
    this.score.set({ provider: name }, score);
    this.enabled.set({ provider: name }, enabled ? 1 : 0);
  }
}
