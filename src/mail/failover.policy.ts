import {
  EmailProvider,
  OutgoingEmail,
  PermanentProviderError,
  ProviderError,
  asProviderError,
} from '../providers/providers.module';
import { Attempt, ErrorDetail } from './email-record';

export type DeliveryOutcome =
  | { kind: 'sent'; provider: string; providerMessageId: string }
  /** A provider refused the message itself: no other provider is tried. */
  | { kind: 'rejected'; error: ErrorDetail }
  /** Every provider failed for reasons of its own; the message is worth another round later. */
  | { kind: 'exhausted'; error: ErrorDetail };

/**
 * One delivery round: tries the providers in priority order until one accepts the message. A transient
 * error moves on to the next provider; a permanent one ends the round, since the message itself is bad.
 * Every try is reported through `record` before the next one starts.
 */
export async function deliverWithFailover(
  email: OutgoingEmail,
  providers: readonly EmailProvider[],
  round: number,
  record: (attempt: Attempt) => Promise<void>,
): Promise<DeliveryOutcome> {
  let lastError: ErrorDetail = { type: 'transient', message: 'no provider is configured' };
  for (const provider of providers) {
    const startedAt = new Date();
    const started = performance.now();
    const result = await sendOnce(provider, email);
    await record({
      provider: provider.name,
      round,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      ...result,
    });
    if (result.outcome === 'sent') {
      return { kind: 'sent', provider: provider.name, providerMessageId: result.providerMessageId };
    }
    if (result.error.type === 'permanent') return { kind: 'rejected', error: result.error };
    lastError = result.error;
  }
  return { kind: 'exhausted', error: lastError };
}

type SendResultOrError =
  | { outcome: 'sent'; providerMessageId: string; response?: string }
  | { outcome: 'failed'; error: ErrorDetail };

async function sendOnce(provider: EmailProvider, email: OutgoingEmail): Promise<SendResultOrError> {
  try {
    const { providerMessageId, response } = await provider.send(email);
    return { outcome: 'sent', providerMessageId, ...(response ? { response } : {}) };
  } catch (thrown) {
    return { outcome: 'failed', error: describe(asProviderError(thrown)) };
  }
}

function describe(error: ProviderError): ErrorDetail {
  return {
    type: error instanceof PermanentProviderError ? 'permanent' : 'transient',
    message: error.message,
  };
}
