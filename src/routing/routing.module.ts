import { Module } from '@nestjs/common';
import { ProvidersModule } from '../providers/providers.module';
import { ProviderRouter } from './provider-router.service';
import { ProviderStatsStore } from './provider-stats.store';
import { ProviderSwitchStore } from './provider-switch.store';
import { ProvidersController } from './providers.controller';

export { ProviderRouter, ProviderStatus } from './provider-router.service';
export { ProviderSkippedError, Route } from './route';

@Module({
  imports: [ProvidersModule],
  controllers: [ProvidersController],
  providers: [ProviderRouter, ProviderSwitchStore, ProviderStatsStore],
  exports: [ProviderRouter],
})
export class RoutingModule {}
