import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ProviderFeedback } from '../mail/suppressions/suppressions.module';
import { MailgunEventDataDto, MailgunSignatureDto, MailgunWebhookDto } from './dto/mailgun-webhook.dto';
import { readPayload, shortDetail } from './provider-payload';

/** A Mailgun webhook call with its fields checked; a 400 names the bad ones (`event-data.recipient`). */
export function readMailgunWebhook(body: unknown): MailgunWebhookDto {
  return readPayload(MailgunWebhookDto, body);
}

/**
 * Mailgun's scheme: hex HMAC-SHA256 of timestamp + token, keyed with the webhook signing key. It covers
 * neither the event nor where the timestamp ends, so the caller also checks the timestamp's form and
 * age, and takes each token once.
 */
export function verifyMailgun(signingKey: string, { timestamp, token, signature }: MailgunSignatureDto): boolean {
  const expected = createHmac('sha256', signingKey).update(timestamp + token).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The one event of a Mailgun webhook call, when it is one mailroute tracks. */
export function mailgunFeedback(data: MailgunEventDataDto): ProviderFeedback[] {
  const status = data['delivery-status'];
  const base = {
    provider: 'mailgun',
    emailId: data['user-variables']?.['mailroute-id'],
    recipient: data.recipient,
    detail: shortDetail(status?.description || status?.message || data.reason),
  };
  if (data.event === 'delivered') return [{ ...base, type: 'delivered', permanent: false }];
  if (data.event === 'failed' && data.severity === 'permanent') return [{ ...base, type: 'bounced', permanent: true }];
  if (data.event === 'complained') return [{ ...base, type: 'complained', permanent: true }];
  return [];
}
