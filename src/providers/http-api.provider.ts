import { OutgoingEmail } from './email-message';
import { EmailProvider, ProviderHealth, SendResult } from './email-provider';
import { HttpFailure, classifyHttpFailure, isCredentialFailure } from './http-failure';
import { ProviderHealthCache } from './provider-health.cache';
import { ProviderError, withoutSecrets } from './provider.errors';

/**
 * What the HTTP API adapters share: the message is mapped (where the provider's own limits are checked)
 * before anything goes on the wire; any failure of the call is classified by its HTTP status, with the
 * key scrubbed from the text; a refused key marks the provider down; health is an authenticated call
 * that sends nothing, cached for the check interval.
 */
export abstract class HttpApiProvider<TRequest> extends EmailProvider {
  private readonly health: ProviderHealthCache;

  constructor(
    private readonly apiKey: string,
    checkIntervalMs: number,
  ) {
    super();
    this.health = new ProviderHealthCache(checkIntervalMs, () => this.probe());
  }

  /** Maps the message onto the provider's request; throws a PermanentProviderError naming a limit it breaks. */
  protected abstract toRequest(email: OutgoingEmail): TRequest;
  protected abstract post(request: TRequest): Promise<SendResult>;
  /** An authenticated call that proves the key and the route to the API without sending mail. */
  protected abstract verifyCredentials(): Promise<void>;
  /** Reads the status and the provider's own words out of whatever the SDK threw. */
  protected abstract describeFailure(error: unknown): HttpFailure;

  async send(email: OutgoingEmail): Promise<SendResult> {
    const request = this.toRequest(email);
    try {
      return await this.post(request);
    } catch (error) {
      throw this.classify(error);
    }
  }

  check(): Promise<ProviderHealth> {
    return this.health.current();
  }

  private async probe(): Promise<ProviderHealth> {
    try {
      await this.verifyCredentials();
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', error: this.classify(error).message };
    }
  }

  private classify(error: unknown): ProviderError {
    const failure = this.describeFailure(error);
    const classified = classifyHttpFailure(this.name, { ...failure, detail: withoutSecrets(failure.detail, [this.apiKey]) });
    if (isCredentialFailure(failure.status)) this.health.markDown(classified.message);
    return classified;
  }
}
