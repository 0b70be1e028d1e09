import {
  OutgoingEmail,
  PermanentProviderError,
  ProviderError,
  asProviderError,
} from '../../providers/providers.module';
import { ProviderSkippedError, Route } from '../../routing/routing.module';
import { Attempt, ErrorDetail } from '../messages/messages.module';

export type DeliveryOutcome =
  /** `attempt` is the accepting call, left to the caller to store with the message's new status. */
  | { kind: 'sent'; provider: string; attempt: SentAttempt }
  /** `provider` refused the message itself: no other provider is tried. */
  | { kind: 'rejected'; provider: string; error: ErrorDetail }
  /**
   * Every provider failed or was skipped; worth another round later. `tried` counts the calls made;
   * `waitMs` is the soonest a skipped provider said it would take calls again, when one said;
   * `lastProvider` is the last one called.
   */
  | { kind: 'exhausted'; error: ErrorDetail; tried: number; lastProvider?: string; waitMs?: number };

/**
 * One delivery round: tries the routes in order until one accepts the message. A transient error moves
 * on to the next route; a permanent one ends the round, since the message itself is bad. A route that
 * was skipped without a call (open circuit) is not an attempt. Every failed attempt is reported through
 * `record` before the next one starts; the accepting one comes back in the outcome.
 */
export async function deliverWithFailover(
  email: OutgoingEmail,
  routes: readonly Route[],
  round: number,
  record: (attempt: Attempt) => Promise<void>,
): Promise<DeliveryOutcome> {
  let lastError: ErrorDetail | undefined;
  let lastProvider: string | undefined;
  let tried = 0;
  const skipped: ProviderSkippedError[] = [];
  for (const route of routes) {
    const startedAt = new Date();
    const started = performance.now();
    const result = await sendOnce(route, email);
    if (result.outcome === 'skipped') {
      skipped.push(result.skipped);
      continue;
    }
    tried += 1;
    const attempt = {
      provider: route.name,
      round,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
    };
    if (result.outcome === 'sent') return { kind: 'sent', provider: route.name, attempt: { ...attempt, ...result } };
    await record({ ...attempt, ...result });
    if (result.error.type === 'permanent') return { kind: 'rejected', provider: route.name, error: result.error };
    lastError = result.error;
    lastProvider = route.name;
  }
  const waits = skipped.flatMap((skip) => (skip.retryInMs === undefined ? [] : [skip.retryInMs]));
  return {
    kind: 'exhausted',
    error: lastError ?? nothingTried(skipped),
    tried,
    ...(lastProvider ? { lastProvider } : {}),
    ...(waits.length > 0 ? { waitMs: Math.min(...waits) } : {}),
  };
}

export type SentAttempt = Attempt & { outcome: 'sent'; providerMessageId: string };

type SendOutcome =
  | { outcome: 'sent'; providerMessageId: string; response?: string }
  | { outcome: 'failed'; error: ErrorDetail }
  | { outcome: 'skipped'; skipped: ProviderSkippedError };

async function sendOnce(route: Route, email: OutgoingEmail): Promise<SendOutcome> {
  try {
    const { providerMessageId, response } = await route.send(email);
    return { outcome: 'sent', providerMessageId, ...(response ? { response } : {}) };
  } catch (thrown) {
    if (thrown instanceof ProviderSkippedError) return { outcome: 'skipped', skipped: thrown };
    return { outcome: 'failed', error: describe(asProviderError(thrown)) };
  }
}

function nothingTried(skipped: ProviderSkippedError[]): ErrorDetail {
  const why = skipped.length > 0 ? skipped.map((skip) => skip.message).join('; ') : 'every provider is disabled';
  return { type: 'transient', message: `no provider could be tried: ${why}` };
}

function describe(error: ProviderError): ErrorDetail {
  return {
    type: error instanceof PermanentProviderError ? 'permanent' : 'transient',
    message: error.message,
  };
}
