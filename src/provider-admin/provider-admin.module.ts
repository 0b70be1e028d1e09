import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module';
import { ProvidersController } from './providers.controller';

/** The operators' API over routing: each provider's state, and switching a provider off and on. */
@Module({
  imports: [RoutingModule],
  controllers: [ProvidersController],
})
export class ProviderAdminModule {}
