import { EventWebhook } from '@sendgrid/eventwebhook';
import { generateKeyPairSync, sign } from 'node:crypto';
import { verifySendGrid } from './sendgrid-events';

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
/** The verification key as SendGrid's console shows it: base64 of the DER SPKI. */
const verificationKey = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const official = new EventWebhook();

const signed = (timestamp: string, body: Buffer, key = privateKey) =>
  sign('sha256', Buffer.concat([Buffer.from(timestamp), body]), key).toString('base64');

/** Both verdicts on one request: mailroute's own check and SendGrid's official library. */
function verdicts(signature: string, timestamp: string, body: Buffer) {
  return {
    mailroute: verifySendGrid(verificationKey, signature, timestamp, body),
    official: official.verifySignature(official.convertPublicKeyToECDSA(verificationKey), body, signature, timestamp),
  };
}

describe('verifySendGrid agrees with @sendgrid/eventwebhook', () => {
  const timestamp = '1796040000';
  const body = Buffer.from(JSON.stringify([{ email: 'zoë@exämple.com', reason: 'Empfänger unbekannt 📭', event: 'bounce' }]));

  it('accepts what SendGrid signed, non-ASCII bytes included', () => {
    expect(verdicts(signed(timestamp, body), timestamp, body)).toEqual({ mailroute: true, official: true });
  });

  it('refuses a changed body, another timestamp or another signer', () => {
    const signature = signed(timestamp, body);
    expect(verdicts(signature, timestamp, Buffer.from(body.toString().replace('bounce', 'delivered')))).toEqual({ mailroute: false, official: false });
    expect(verdicts(signature, '1796040001', body)).toEqual({ mailroute: false, official: false });
    expect(verdicts(signed(timestamp, body, otherKey), timestamp, body)).toEqual({ mailroute: false, official: false });
  });

  it('refuses a signature that is not one, without throwing', () => {
    expect(verifySendGrid(verificationKey, 'bm90IGEgc2lnbmF0dXJl', timestamp, body)).toBe(false);
    expect(verifySendGrid('not a key', signed(timestamp, body), timestamp, body)).toBe(false);
  });
});
