import { Injectable, NotFoundException } from '@nestjs/common';
import { TimeoutError, withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/config.module';
import { RedisConnection } from '../redis/redis.module';
import {
  EmailProvider,
  OutgoingEmail,
  ProviderRegistry,
  SendResult,
  TransientProviderError,
} from '../providers/providers.module';
import { ProviderStatsStore, RecentStats } from './provider-stats.store';
import { ProviderSwitchStore } from './provider-switch.store';
import { ProviderSkippedError, Route } from './route';
import { BreakerState, SharedCircuitBreaker } from './shared-circuit-breaker';

export interface ProviderStatus {
  name: string;
  /** 1 = tried first. */
  priority: number;
  enabled: boolean;
  /** How much longer the provider is paused after it answered 429 with Retry-After. */
  pausedForMs: number;
  breaker: BreakerState;
  recent: RecentStats;
}

/**
 * Decides which providers a delivery round may call, in which order, and wraps each call in its shared
 * circuit breaker, the send timeout and the statistics. Operators switch providers off and on here.
 */
@Injectable()
export class ProviderRouter {
  private readonly breakers: Map<string, SharedCircuitBreaker>;
  private readonly sendTimeoutMs: number;

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly switches: ProviderSwitchStore,
    private readonly stats: ProviderStatsStore,
    redis: RedisConnection,
    config: AppConfig,
  ) {
    const { breaker, sendTimeoutMs } = config.providers;
    // A little over the adapter's own timeout, so the adapter's more precise error normally wins.
    this.sendTimeoutMs = sendTimeoutMs + 1000;
    this.breakers = new Map(
      registry.names.map((name) => [
        name,
        new SharedCircuitBreaker(redis.client, name, { ...breaker, trialTimeoutMs: this.sendTimeoutMs * 2 }),
      ]),
    );
  }

  /** The enabled providers in priority order, each call guarded by its breaker. */
  async routes(): Promise<Route[]> {
    const disabled = await this.switches.disabled();
    return this.registry.ordered
      .filter((provider) => !disabled.has(provider.name))
      .map((provider) => ({ name: provider.name, send: (email: OutgoingEmail) => this.send(provider, email) }));
  }

  async statuses(): Promise<ProviderStatus[]> {
    const disabled = await this.switches.disabled();
    return Promise.all(
      this.registry.ordered.map(async (provider, index) => ({
        name: provider.name,
        priority: index + 1,
        enabled: !disabled.has(provider.name),
        pausedForMs: await this.switches.pausedForMs(provider.name),
        breaker: await this.breaker(provider.name).state(),
        recent: await this.stats.recent(provider.name),
      })),
    );
  }

  async disable(name: string): Promise<ProviderStatus> {
    await this.switches.disable(this.known(name));
    return this.status(name);
  }

  async enable(name: string): Promise<ProviderStatus> {
    await this.switches.enable(this.known(name));
    return this.status(name);
  }

  private async send(provider: EmailProvider, email: OutgoingEmail): Promise<SendResult> {
    const pausedMs = await this.switches.pausedForMs(provider.name);
    if (pausedMs > 0) throw new ProviderSkippedError(provider.name, `paused for ${pausedMs} ms after HTTP 429`);
    try {
      return await this.breaker(provider.name).run(() => this.timedSend(provider, email));
    } catch (error) {
      if (error instanceof TransientProviderError && error.retryAfterMs) {
        await this.switches.pause(provider.name, error.retryAfterMs);
      }
      throw error;
    }
  }

  /** A provider that never answers is a provider-level failure like any other. */
  private async timedSend(provider: EmailProvider, email: OutgoingEmail): Promise<SendResult> {
    const started = performance.now();
    try {
      const result = await withTimeout(provider.send(email), this.sendTimeoutMs, `${provider.name} send`);
      await this.stats.record(provider.name, true, performance.now() - started);
      return result;
    } catch (thrown) {
      const error = thrown instanceof TimeoutError ? new TransientProviderError(thrown.message) : thrown;
      // A permanent refusal still shows a working provider; only its own failures count against it.
      await this.stats.record(provider.name, !(error instanceof TransientProviderError), performance.now() - started);
      throw error;
    }
  }

  private async status(name: string): Promise<ProviderStatus> {
    return (await this.statuses()).find((status) => status.name === name)!;
  }

  private breaker(name: string): SharedCircuitBreaker {
    return this.breakers.get(name)!;
  }

  private known(name: string): string {
    if (!this.registry.names.includes(name)) {
      throw new NotFoundException(`No provider named ${name}; configured: ${this.registry.names.join(', ')}`);
    }
    return name;
  }
}
