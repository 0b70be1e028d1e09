import {
  EmailProvider,
  OutgoingEmail,
  PermanentProviderError,
  ProviderHealth,
  SendResult,
  TransientProviderError,
} from '../../src/providers/providers.module';

/** Accept, fail with a typed error of that kind, or throw exactly this error. */
export type Behaviour = 'accept' | 'transient' | 'permanent' | Error;

/**
 * A stand-in for an external provider that answers each send as scripted (the last behaviour repeats)
 * and remembers what it was given. It replaces the outside world, never mailroute's own code.
 */
export class ScriptedProvider extends EmailProvider {
  readonly received: OutgoingEmail[] = [];
  calls = 0;

  constructor(
    readonly name: string,
    private readonly script: Behaviour[],
    private readonly health: ProviderHealth = { status: 'up' },
  ) {
    super();
  }

  async send(email: OutgoingEmail): Promise<SendResult> {
    const behaviour = this.script[Math.min(this.calls, this.script.length - 1)];
    this.calls += 1;
    if (behaviour === 'transient') throw new TransientProviderError(`${this.name} is unavailable (503)`);
    if (behaviour === 'permanent') throw new PermanentProviderError(`${this.name} rejected the message (400)`);
    if (behaviour instanceof Error) throw behaviour;
    this.received.push(email);
    return { providerMessageId: `${this.name}-id-${this.received.length}` };
  }

  async check(): Promise<ProviderHealth> {
    return this.health;
  }
}
