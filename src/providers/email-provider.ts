import { OutgoingEmail } from './email-message';

export interface SendResult {
  /** The id the provider gave the message, for looking it up in the provider's own logs. */
  providerMessageId: string;
  /** The provider's own answer, when it says more than the id (e.g. an SMTP server's 250 line). */
  response?: string;
}

/** How long an adapter may take to send, and how often it re-checks its credentials and reachability. */
export interface AdapterTimings {
  sendTimeoutMs: number;
  checkIntervalMs: number;
}

export interface ProviderHealth {
  status: 'up' | 'down';
  /** Why the provider is down, in words safe to show on a health endpoint (never a credential). */
  error?: string;
}

/**
 * The contract every delivery adapter fulfils. `send` resolves once the provider has accepted the
 * message and rejects with a TransientProviderError or PermanentProviderError, so that callers decide
 * by type what happens next.
 */
export abstract class EmailProvider {
  abstract readonly name: string;
  abstract send(email: OutgoingEmail): Promise<SendResult>;
  abstract check(): Promise<ProviderHealth>;
}
