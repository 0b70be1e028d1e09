import type { OutgoingEmail, SendResult } from '../providers/providers.module';

/** A provider as the delivery round sees it: already wrapped in its breaker, timeout and statistics. */
export interface Route {
  readonly name: string;
  send(email: OutgoingEmail): Promise<SendResult>;
}

/** The provider was not called at all: switched off, paused, at its rate limit, or its circuit is open. */
export class ProviderSkippedError extends Error {
  override readonly name = 'ProviderSkippedError';
  constructor(
    readonly provider: string,
    readonly reason: string,
    /** When the provider can be expected to take calls again, if known. */
    readonly retryInMs?: number,
  ) {
    super(`${provider} skipped: ${reason}`);
  }
}
