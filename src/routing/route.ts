import type { OutgoingEmail, SendResult } from '../providers/providers.module';

/** A provider as the delivery round sees it: already wrapped in its breaker, timeout and statistics. */
export interface Route {
  readonly name: string;
  send(email: OutgoingEmail): Promise<SendResult>;
}

/** The provider was not called at all (its circuit is open, or a trial is running elsewhere). */
export class ProviderSkippedError extends Error {
  override readonly name = 'ProviderSkippedError';
  constructor(
    readonly provider: string,
    readonly reason: string,
  ) {
    super(`${provider} skipped: ${reason}`);
  }
}
