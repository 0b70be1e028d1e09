import { createHmac, randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { loadConfig } from '../config/config.module';
import { verify as verifyMailroute } from './mailroute-signature';
import { signedHeaders } from './webhook-signature';

const delivery = {
  id: '0d9e4a35-5c1e-4b7a-9c3e-2f1d7a6b8c90',
  payload: JSON.stringify({ id: '0d9e4a35-5c1e-4b7a-9c3e-2f1d7a6b8c90', type: 'email.sent', data: { emailId: 'x' } }),
};
const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
/** A plain secret beyond ASCII: its key must be its UTF-8 bytes, as the receiver's whsec_ form says. */
const PLAIN = 'plain-sécret-✓-0123456789';
const whsecFormOf = (plain: string) => `whsec_${Buffer.from(plain, 'utf8').toString('base64')}`;
/** WEBHOOK_SECRET as the configuration reads it, key and all. */
const configured = (secret: string) => loadConfig({ WEBHOOK_URL: 'https://hooks.example.com/', WEBHOOK_SECRET: secret }).webhooks!;
const unix = (at: Date) => Math.floor(at.getTime() / 1000);

describe('signedHeaders', () => {
  it('signs per Standard Webhooks: the delivery id, the time of the attempt, and an HMAC the library verifies', () => {
    const secret = whsec();
    const at = new Date();
    const headers = signedHeaders(delivery, configured(secret), at);
    expect(headers['webhook-id']).toBe(delivery.id);
    expect(headers['webhook-timestamp']).toBe(String(unix(at)));
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const hmac = createHmac('sha256', key).update(`${delivery.id}.${unix(at)}.${delivery.payload}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${hmac}`);
    expect(new Webhook(secret).verify(delivery.payload, headers)).toEqual(JSON.parse(delivery.payload));
  });

  it('keys a plain secret with its UTF-8 bytes: the library verifies with whsec_ + base64 of the secret', () => {
    const headers = signedHeaders(delivery, configured(PLAIN));
    expect(new Webhook(whsecFormOf(PLAIN)).verify(delivery.payload, headers)).toEqual(JSON.parse(delivery.payload));
  });

  it('does not verify for another body, another secret or another id', () => {
    const secret = whsec();
    const headers = signedHeaders(delivery, configured(secret));
    const receiver = new Webhook(secret);
    expect(() => receiver.verify(delivery.payload.replace('email.sent', 'email.failed'), headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(whsec()).verify(delivery.payload, headers)).toThrow(WebhookVerificationError);
    expect(() => receiver.verify(delivery.payload, { ...headers, 'webhook-id': 'another-id' })).toThrow(WebhookVerificationError);
  });

  it('gives a later attempt the same webhook-id, with its own timestamp and signature', () => {
    const webhooks = configured(whsec());
    const first = signedHeaders(delivery, webhooks, new Date(1_800_000_000_000));
    const retry = signedHeaders(delivery, webhooks, new Date(1_800_000_090_000));
    expect(retry['webhook-id']).toBe(first['webhook-id']);
    expect(retry['webhook-timestamp']).toBe('1800000090');
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
  });

  it.each([
    ['a whsec_ secret', whsec()],
    ['a plain secret', PLAIN],
  ])('keeps the deprecated Mailroute-Signature, keyed with %s as configured, at the same timestamp', (_case, secret) => {
    const at = new Date();
    const headers = signedHeaders(delivery, configured(secret), at);
    expect(headers['Mailroute-Signature']).toMatch(new RegExp(`^t=${unix(at)},v1=[0-9a-f]{64}$`));
    expect(verifyMailroute(delivery.payload, headers['Mailroute-Signature'], secret)).toBe(true);
  });
});
