/** This provider cannot send right now (down, throttled, unreachable); another provider, or a later try, may. */
export class TransientProviderError extends Error {
  override readonly name = 'TransientProviderError';
  constructor(
    message: string,
    /** How long the provider asked us to wait, when it said (e.g. HTTP Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The provider refused the message itself; sending it again, anywhere, will not help. */
export class PermanentProviderError extends Error {
  override readonly name = 'PermanentProviderError';
}

export type ProviderError = TransientProviderError | PermanentProviderError;

/**
 * Adapters classify what they understand; anything else (a bug, an unexpected library error) is
 * treated as transient so the message is retried rather than lost.
 */
export function asProviderError(error: unknown): ProviderError {
  if (error instanceof TransientProviderError || error instanceof PermanentProviderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TransientProviderError(`unexpected error: ${message}`);
}

/**
 * Removes credentials from text that came from a provider or a library (an error message may quote a
 * URL or a header), so that nothing stored, logged or shown can carry them.
 */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  return secrets
    .filter((secret) => secret.length >= 4)
    .reduce((result, secret) => result.split(secret).join('[redacted]'), text);
}
