import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ProviderFeedback } from '../mail/mail.module';

const TOLERANCE_SECONDS = 300;

interface MailgunWebhook {
  signature?: { timestamp?: string; token?: string; signature?: string };
  'event-data'?: {
    event?: string;
    severity?: string;
    recipient?: string;
    reason?: string;
    'delivery-status'?: { description?: string; message?: string };
    'user-variables'?: Record<string, string>;
  };
}

/** Mailgun's scheme: hex HMAC-SHA256 of timestamp + token, keyed with the webhook signing key; recent only. */
export function verifyMailgun(signingKey: string, body: unknown, now = Math.floor(Date.now() / 1000)): boolean {
  const { timestamp = '', token = '', signature = '' } = (body as MailgunWebhook)?.signature ?? {};
  if (Math.abs(now - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', signingKey).update(timestamp + token).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The one event of a Mailgun webhook call, when it is one mailroute tracks. */
export function mailgunFeedback(body: unknown): ProviderFeedback[] {
  const data = (body as MailgunWebhook)?.['event-data'];
  if (!data?.recipient) return [];
  const base = {
    provider: 'mailgun',
    emailId: data['user-variables']?.['mailroute-id'],
    recipient: data.recipient,
    detail: data['delivery-status']?.description || data['delivery-status']?.message || data.reason,
  };
  if (data.event === 'delivered') return [{ ...base, type: 'delivered', permanent: false }];
  if (data.event === 'failed' && data.severity === 'permanent') return [{ ...base, type: 'bounced', permanent: true }];
  if (data.event === 'complained') return [{ ...base, type: 'complained', permanent: true }];
  return [];
}
