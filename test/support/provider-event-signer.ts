import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { watchSecret } from './secret-watch';

const now = () => Math.floor(Date.now() / 1000);

export interface MailgunSignature {
  timestamp: string;
  token: string;
  signature: string;
}

/** One signed SendGrid call, as raw parts so that it can be sent again unchanged. */
export interface SendGridCall {
  body: string;
  timestamp: string;
  signature: string;
}

/**
 * What SendGrid and Mailgun hold to sign their event webhooks (a fresh P-256 key pair, a Mailgun signing
 * key), the environment that has mailroute verify them, and calls signed the providers' way.
 */
export class ProviderEventSigner {
  readonly mailgunSigningKey = `whk_${randomBytes(12).toString('hex')}`;
  private readonly sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  constructor() {
    watchSecret(this.mailgunSigningKey);
  }

  /** mailroute is configured with SendGrid's public half as the SendGrid console shows it (base64 SPKI). */
  get env(): Record<string, string> {
    return {
      SENDGRID_WEBHOOK_PUBLIC_KEY: this.sendgridKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
      MAILGUN_WEBHOOK_SIGNING_KEY: this.mailgunSigningKey,
    };
  }

  /** What Mailgun puts in `signature`, for a call made `age` seconds ago with this token and key. */
  mailgunSignature({ age = 0, token = randomBytes(25).toString('hex'), key = this.mailgunSigningKey } = {}): MailgunSignature {
    const timestamp = String(now() - age);
    return { timestamp, token, signature: createHmac('sha256', key).update(timestamp + token).digest('hex') };
  }

  /** SendGrid's Signed Event Webhook: ECDSA over the timestamp header followed by the raw body. */
  sendGridCall(events: object[], timestamp = String(now())): SendGridCall {
    const body = JSON.stringify(events);
    const signature = sign('sha256', Buffer.from(timestamp + body), this.sendgridKeys.privateKey).toString('base64');
    return { body, timestamp, signature };
  }
}
