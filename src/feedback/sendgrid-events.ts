import { createPublicKey, verify } from 'node:crypto';
import type { ProviderFeedback } from '../mail/mail.module';

export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/**
 * SendGrid's Signed Event Webhook: an ECDSA (P-256, SHA-256) signature, base64 DER, over the timestamp
 * header followed by the raw body, checked with the account's verification key (base64 SPKI, as the
 * SendGrid console shows it).
 */
export function verifySendGrid(publicKey: string, signature: string, timestamp: string, rawBody: Buffer): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    return verify('sha256', Buffer.concat([Buffer.from(timestamp), rawBody]), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

interface SendGridEvent {
  event?: string;
  email?: string;
  /** Our custom_args come back as top-level keys of each event. */
  mailroute_id?: string;
  /** For `bounce`: `bounce` (the address is bad) or `blocked` (refused for now). */
  type?: string;
  reason?: string;
}

/** The events mailroute tracks, out of SendGrid's batch; opens, clicks and the like are skipped. */
export function sendGridFeedback(body: unknown): ProviderFeedback[] {
  if (!Array.isArray(body)) return [];
  return (body as SendGridEvent[]).flatMap((event): ProviderFeedback[] => {
    const base = { provider: 'sendgrid', emailId: event.mailroute_id, recipient: event.email ?? '', detail: event.reason };
    if (!event.email) return [];
    if (event.event === 'delivered') return [{ ...base, type: 'delivered', permanent: false }];
    if (event.event === 'bounce') return [{ ...base, type: 'bounced', permanent: event.type !== 'blocked' }];
    if (event.event === 'dropped') return [{ ...base, type: 'bounced', permanent: false }];
    if (event.event === 'spamreport') return [{ ...base, type: 'complained', permanent: true }];
    return [];
  });
}
