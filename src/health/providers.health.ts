import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { EmailProvider, EmailProviders, ProviderHealth } from '../providers/providers.module';
import { ProviderRouter } from '../routing/routing.module';

type ProviderState = (ProviderHealth & { enabled: boolean; breaker: string }) | { status: 'unknown' };

/**
 * Reports every configured provider: its own check, whether it is switched on, and its circuit.
 * `canSend` is up while at least one provider is checked up, enabled and not behind an open circuit
 * (the readiness question); `lastKnown` only repeats the last results, so liveness never waits on one.
 */
@Injectable()
export class ProvidersHealthIndicator {
  private lastResults = new Map<string, ProviderState>();

  constructor(
    @Inject(EmailProvider) private readonly providers: EmailProviders,
    private readonly router: ProviderRouter,
    private readonly health: HealthIndicatorService,
  ) {}

  async canSend(): Promise<HealthIndicatorResult<'providers'>> {
    const [checks, statuses] = await Promise.all([
      Promise.all(this.providers.map((provider) => checkSafely(provider))),
      // Switches and circuits live in Redis; without it they are unknown (and the redis check says why).
      this.router.statuses().catch(() => undefined),
    ]);
    const states = checks.map((check, index) => ({
      ...check,
      enabled: statuses?.[index].enabled ?? true,
      breaker: statuses?.[index].breaker ?? 'unknown',
    }));
    this.lastResults = new Map(this.providers.map(({ name }, index) => [name, states[index]]));
    const details = Object.fromEntries(this.lastResults);
    const indicator = this.health.check('providers');
    const usable = states.some((state) => state.status === 'up' && state.enabled && state.breaker !== 'open');
    return usable ? indicator.up(details) : indicator.down(details);
  }

  lastKnown(): HealthIndicatorResult<'providers'> {
    const details = Object.fromEntries(
      this.providers.map(({ name }) => [name, this.lastResults.get(name) ?? { status: 'unknown' }]),
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
