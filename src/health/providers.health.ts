import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { EmailProvider, ProviderHealth, ProviderRegistry } from '../providers/providers.module';

type ProviderState = ProviderHealth | { status: 'unknown' };

/**
 * Reports every configured provider. `canSend` checks them and is up while at least one can send (the
 * readiness question); `lastKnown` only repeats the last results, so liveness never waits on a provider.
 */
@Injectable()
export class ProvidersHealthIndicator {
  private lastResults = new Map<string, ProviderState>();

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly health: HealthIndicatorService,
  ) {}

  async canSend(): Promise<HealthIndicatorResult<'providers'>> {
    const states = await Promise.all(this.registry.ordered.map((provider) => checkSafely(provider)));
    this.lastResults = new Map(this.registry.names.map((name, index) => [name, states[index]]));
    const details = Object.fromEntries(this.lastResults);
    const indicator = this.health.check('providers');
    return states.some((state) => state.status === 'up') ? indicator.up(details) : indicator.down(details);
  }

  lastKnown(): HealthIndicatorResult<'providers'> {
    const details = Object.fromEntries(
      this.registry.names.map((name) => [name, this.lastResults.get(name) ?? { status: 'unknown' }]),
    );
    return this.health.check('providers').up(details);
  }
}

async function checkSafely(provider: EmailProvider): Promise<ProviderHealth> {
  try {
    return await provider.check();
  } catch (error) {
    return { status: 'down', error: `health check failed: ${(error as Error).message}` };
  }
}
