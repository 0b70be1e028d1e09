import { PermanentProviderError, ProviderError, TransientProviderError } from './provider.errors';

/** What an HTTP provider answered, reduced to what classification needs. */
export interface HttpFailure {
  /** Undefined when no HTTP answer arrived (refused, reset, timed out). */
  status?: number;
  /** The provider's own explanation, or the network error's. */
  detail: string;
  retryAfter?: string;
}

/** 401/403: the key is wrong or revoked. The provider cannot send anything until that is fixed. */
export const isCredentialFailure = (status?: number) => status === 401 || status === 403;

/**
 * The HTTP APIs' shared meaning of a status: 400 and 413 say the message itself is bad; everything
 * else (credentials, throttling, outages, no answer) is this provider's problem, and another provider
 * or a later try may succeed.
 */
export function classifyHttpFailure(provider: string, failure: HttpFailure): ProviderError {
  const { status, detail } = failure;
  if (status === undefined) return new TransientProviderError(`${provider} could not be reached: ${detail}`);
  const text = `${provider} answered HTTP ${status}: ${detail}`;
  if (status === 400 || status === 413) return new PermanentProviderError(text);
  if (status === 429) return new TransientProviderError(text, parseRetryAfter(failure.retryAfter));
  return new TransientProviderError(text);
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
