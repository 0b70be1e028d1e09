import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { TaskCancelledError, TimeoutPolicy, TimeoutStrategy, timeout } from 'cockatiel';
import { AppConfig } from '../config/config.module';
import {
  EmailProvider,
  EmailProviders,
  OutgoingEmail,
  SendResult,
  TransientProviderError,
} from '../providers/providers.module';
import { RedisConnection } from '../redis/redis.module';
import { ProviderRateLimiter } from './provider-rate-limiter';
import { ProviderScoreStore } from './provider-score.store';
import { MinuteActivity, ProviderStatsStore, RecentStats } from './provider-stats.store';
import { ProviderSwitchStore } from './provider-switch.store';
import { ProviderSkippedError, Route } from './route';
import { BreakerState, SharedCircuitBreaker } from './shared-circuit-breaker';
import { RoutingStrategy } from './strategies/routing-strategy';

export interface ProviderStatus {
  name: string;
  /** Position in MAIL_PROVIDERS; 1 = tried first by the priority strategy. */
  priority: number;
  enabled: boolean;
  /** How much longer the provider is paused after it answered 429 with Retry-After. */
  pausedForMs: number;
  breaker: BreakerState;
  /** Health score in [0, 1]; the score strategy tries the highest first. */
  score: number;
  /** Messages per second across all workers, or null for no limit. */
  rateLimit: number | null;
  recent: RecentStats;
}

export interface ProviderActivity {
  name: string;
  /** The last hour's calls, a count per minute, oldest first. */
  minutes: MinuteActivity[];
}

/**
 * Decides which providers a delivery round may call and in which order (MAIL_ROUTING), and guards
 * each call: operator switch, 429 pause, rate limit, shared circuit breaker and send timeout; every
 * call's outcome feeds the statistics and the score. Operators switch providers off and on here.
 */
@Injectable()
export class ProviderRouter {
  private readonly logger = new Logger(ProviderRouter.name);
  private readonly breakers: Map<string, SharedCircuitBreaker>;
  private readonly sendTimeoutMs: number;
  private readonly names: string[];
  private readonly sendTimeout: TimeoutPolicy;

  constructor(
    @Inject(EmailProvider) private readonly providers: EmailProviders,
    private readonly strategy: RoutingStrategy,
    private readonly switches: ProviderSwitchStore,
    private readonly stats: ProviderStatsStore,
    private readonly scores: ProviderScoreStore,
    private readonly rateLimiter: ProviderRateLimiter,
    redis: RedisConnection,
    config: AppConfig,
  ) {
    const { breaker, sendTimeoutMs } = config.providers;
    // A little over the adapter's own timeout, so the adapter's more precise error normally wins.
    this.sendTimeoutMs = sendTimeoutMs + 1000;
    this.names = providers.map((provider) => provider.name);
    // Adapters take no signal, so there is nothing to abort once a send returns (cockatiel's abort on
    // return costs a DOMException per send).
    this.sendTimeout = timeout(this.sendTimeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    this.breakers = new Map(
      this.names.map((name) => [
        name,
        new SharedCircuitBreaker(redis.client, name, { ...breaker, trialTimeoutMs: this.sendTimeoutMs * 2 }),
      ]),
    );
  }

  /** The enabled providers in the strategy's order for one message, each call guarded. */
  async routes(): Promise<Route[]> {
    const switches = await this.switches.snapshot(this.names);
    const ordered = await this.strategy.order(this.names.filter((name) => switches.isEnabled(name)));
    return ordered.map((name) => {
      const provider = this.provider(name);
      return { name, send: (email: OutgoingEmail) => this.send(provider, email, switches.pausedForMs(name)) };
    });
  }

  async statuses(): Promise<ProviderStatus[]> {
    const [switches, scores] = await Promise.all([
      this.switches.snapshot(this.names),
      this.scores.current(this.names),
    ]);
    return Promise.all(
      this.names.map(async (name, index) => ({
        name,
        priority: index + 1,
        enabled: switches.isEnabled(name),
        pausedForMs: switches.pausedForMs(name),
        breaker: await this.breakers.get(name)!.state(),
        score: Math.round(scores[name] * 1000) / 1000,
        rateLimit: this.rateLimiter.limitOf(name),
        recent: await this.stats.recent(name),
      })),
    );
  }

  /** Every configured provider in priority order, with its calls per minute over the last hour. */
  async activity(): Promise<ProviderActivity[]> {
    const minutes = await this.stats.activity(this.names);
    return this.names.map((name, index) => ({ name, minutes: minutes[index] }));
  }

  async disable(name: string): Promise<ProviderStatus> {
    await this.switches.disable(this.provider(name).name);
    return this.status(name);
  }

  async enable(name: string): Promise<ProviderStatus> {
    await this.switches.enable(this.provider(name).name);
    return this.status(name);
  }

  /** `pausedMs`: how long the provider was still paused when this message's routes were read. */
  private async send(provider: EmailProvider, email: OutgoingEmail, pausedMs: number): Promise<SendResult> {
    if (pausedMs > 0) {
      throw new ProviderSkippedError(provider.name, `paused for ${pausedMs} ms after HTTP 429`, pausedMs);
    }
    await this.rateLimiter.take(provider.name);
    try {
      return await this.breakers.get(provider.name)!.run(() => this.timedSend(provider, email));
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
      const result = await this.sendTimeout.execute(() => provider.send(email));
      await this.recordOutcome(provider.name, true, started);
      return result;
    } catch (thrown) {
      const error =
        thrown instanceof TaskCancelledError
          ? new TransientProviderError(`${provider.name} send did not finish within ${this.sendTimeoutMs} ms`)
          : thrown;
      // A permanent refusal still shows a working provider; only its own failures count against it.
      await this.recordOutcome(provider.name, !(error instanceof TransientProviderError), started);
      throw error;
    }
  }

  /**
   * Best effort: the provider has answered, and failing to note how must not change the answer (a send
   * it accepted taken for a failure would go to the next provider too).
   */
  private async recordOutcome(name: string, providerWorked: boolean, started: number): Promise<void> {
    await Promise.all([
      this.stats.record(name, providerWorked, performance.now() - started),
      this.scores.record(name, providerWorked),
    ]).catch((error: Error) => this.logger.warn(`${name}: the call's outcome was not recorded: ${error.message}`));
  }

  private async status(name: string): Promise<ProviderStatus> {
    return (await this.statuses()).find((status) => status.name === name)!;
  }

  private provider(name: string): EmailProvider {
    const provider = this.providers.find((candidate) => candidate.name === name);
    if (!provider) {
      throw new NotFoundException(`No provider named ${name}; configured: ${this.names.join(', ')}`);
    }
    return provider;
  }
}
