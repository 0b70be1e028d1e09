import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * mailroute's own signature, from before it signed per Standard Webhooks (webhook-signature.ts). Deprecated:
 * still sent, unchanged and keyed with WEBHOOK_SECRET as configured whatever its form, so that receivers
 * built on it keep verifying; it goes in the next minor version.
 */
export const MAILROUTE_SIGNATURE_HEADER = 'Mailroute-Signature';
/** How old a signed delivery may be when it is verified: protects receivers from replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the scheme Stripe made familiar. */
export function sign(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(`${timestamp}.${body}`, secret)}`;
}

/** What a receiver runs on each delivery: true when `header` signs exactly `body` with `secret` and is recent. */
export function verify(body: string, header: string, secret: string, now = Math.floor(Date.now() / 1000)): boolean {
  const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const signature = parts.get('v1') ?? '';
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(hmac(`${timestamp}.${body}`, secret), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const hmac = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest('hex');
