import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config.module';
import { ProvidersModule } from '../providers/providers.module';
import { ProviderRateLimiter } from './provider-rate-limiter';
import { ProviderRouter } from './provider-router.service';
import { ProviderScoreStore } from './provider-score.store';
import { ProviderStatsStore } from './provider-stats.store';
import { ProviderSwitchStore } from './provider-switch.store';
import { RoutingMetrics } from './routing.metrics';
import { PriorityStrategy } from './strategies/priority.strategy';
import { RoutingStrategy } from './strategies/routing-strategy';
import { ScoreStrategy } from './strategies/score.strategy';
import { WeightedStrategy } from './strategies/weighted.strategy';

export { ProviderActivity, ProviderRouter, ProviderStatus } from './provider-router.service';
export { ProviderSkippedError, Route } from './route';

/** MAIL_ROUTING picks the strategy once, at start. */
function strategyFor(config: AppConfig, scores: ProviderScoreStore): RoutingStrategy {
  const { strategy, weights } = config.providers.routing;
  if (strategy === 'weighted') return new WeightedStrategy(weights);
  if (strategy === 'score') return new ScoreStrategy(scores);
  return new PriorityStrategy();
}

@Module({
  imports: [ProvidersModule],
  providers: [
    ProviderRouter,
    ProviderSwitchStore,
    ProviderStatsStore,
    ProviderScoreStore,
    ProviderRateLimiter,
    RoutingMetrics,
    { provide: RoutingStrategy, inject: [AppConfig, ProviderScoreStore], useFactory: strategyFor },
  ],
  exports: [ProviderRouter],
})
export class RoutingModule {}
