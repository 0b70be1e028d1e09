import { Webhook } from 'standardwebhooks';
import { MAILROUTE_SIGNATURE_HEADER, sign as signMailroute } from './mailroute-signature';

/** WEBHOOK_SECRET as configured, and the key it stands for (AppConfig's `webhooks` has both). */
export interface WebhookSecret {
  secret: string;
  signingKey: Uint8Array;
}

/**
 * The headers that sign one attempt at a delivery, per Standard Webhooks, so that a receiver verifies it
 * with any of that project's libraries. `webhook-id` is the delivery's id (the payload's `id` too), the
 * same on every retry: it is what receivers drop repeats by. The deprecated Mailroute-Signature goes
 * along, with the same timestamp, until its removal.
 */
export function signedHeaders(
  delivery: { id: string; payload: string },
  { secret, signingKey }: WebhookSecret,
  at = new Date(),
): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': delivery.id,
    'webhook-timestamp': String(timestamp),
    // 'raw': the key is given as bytes. A string in raw format would be read one byte per UTF-16 unit,
    // not as UTF-8, and without it the library takes the string for whsec_ base64.
    'webhook-signature': new Webhook(signingKey, { format: 'raw' }).sign(delivery.id, at, delivery.payload),
    [MAILROUTE_SIGNATURE_HEADER]: signMailroute(delivery.payload, secret, timestamp),
  };
}
