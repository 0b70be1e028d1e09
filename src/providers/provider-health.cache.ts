import { ProviderHealth } from './email-provider';

/**
 * Remembers a provider's last credential/reachability check for `intervalMs`, so that probes hitting
 * /health/ready do not hammer the provider. A send that proves the credentials wrong marks the provider
 * down at once, until the next check says otherwise. Each adapter owns one; nothing is shared.
 */
export class ProviderHealthCache {
  private last?: { health: ProviderHealth; at: number };
  private running?: Promise<ProviderHealth>;

  constructor(
    private readonly intervalMs: number,
    private readonly probe: () => Promise<ProviderHealth>,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<ProviderHealth> {
    if (this.last && this.now() - this.last.at < this.intervalMs) return this.last.health;
    this.running ??= this.refresh().finally(() => (this.running = undefined));
    return this.running;
  }

  markDown(error: string): void {
    this.last = { health: { status: 'down', error }, at: this.now() };
  }

  private async refresh(): Promise<ProviderHealth> {
    const health = await this.probe().catch(
      (error: Error): ProviderHealth => ({ status: 'down', error: `check failed: ${error.message}` }),
    );
    this.last = { health, at: this.now() };
    return health;
  }
}
