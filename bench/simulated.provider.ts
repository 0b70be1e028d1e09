import {
  EmailProvider,
  OutgoingEmail,
  ProviderHealth,
  SendResult,
  TransientProviderError,
} from '../src/providers/providers.module';

/** What a provider does at a moment of the run: answer after `latencyMs`, or fail after it. */
export interface Behaviour {
  ok: boolean;
  latencyMs: number;
}

/** Scripted outage pattern: the provider's behaviour as a function of time since the run started. */
export type Pattern = (elapsedMs: number, random: () => number) => Behaviour;

/**
 * An in-process stand-in for a provider, following a time-scripted pattern; it counts every call, the
 * failed ones, and when each message was accepted.
 */
export class SimulatedProvider extends EmailProvider {
  calls = 0;
  failedCalls = 0;
  readonly acceptedAt = new Map<string, number>();
  private startedAt = Date.now();

  constructor(
    readonly name: string,
    private readonly pattern: Pattern,
    private readonly random: () => number,
  ) {
    super();
  }

  restartClock(): void {
    this.startedAt = Date.now();
  }

  async send(email: OutgoingEmail): Promise<SendResult> {
    this.calls += 1;
    const { ok, latencyMs } = this.pattern(Date.now() - this.startedAt, this.random);
    await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (!ok) {
      this.failedCalls += 1;
      throw new TransientProviderError(`${this.name} is down`);
    }
    this.acceptedAt.set(email.id, Date.now());
    return { providerMessageId: `${this.name}-${this.calls}` };
  }

  async check(): Promise<ProviderHealth> {
    return { status: 'up' };
  }
}
