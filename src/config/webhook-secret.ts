/**
 * WEBHOOK_SECRET comes in two forms. The Standard Webhooks one is `whsec_` and the base64 of the key's
 * bytes. The plain form (16+ characters, what mailroute took before Standard Webhooks) stays valid so that
 * no deployment breaks: its key is the secret's UTF-8 bytes, which a receiver's library takes as
 * `whsec_` + base64 of the secret.
 */
const STANDARD_PREFIX = 'whsec_';
const PLAIN_MIN_CHARACTERS = 16;
/** The Standard Webhooks specification's bounds for a symmetric key (192 to 512 bits). */
const KEY_BYTES = { min: 24, max: 64 };
/** Padded standard base64, the only alphabet the Standard Webhooks libraries decode. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HOW_TO_MAKE_ONE = 'make one with `npm run webhook:secret`';

/** Why `secret` cannot be WEBHOOK_SECRET, in words that never repeat it; undefined when it can. */
export function webhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(STANDARD_PREFIX)) {
    if (secret.length >= PLAIN_MIN_CHARACTERS) return undefined;
    return `WEBHOOK_SECRET must be at least ${PLAIN_MIN_CHARACTERS} characters, or a whsec_ secret: ${HOW_TO_MAKE_ONE}`;
  }
  const encoded = secret.slice(STANDARD_PREFIX.length);
  if (!BASE64.test(encoded)) {
    return `WEBHOOK_SECRET starts with whsec_ but the rest is not padded base64 (A-Z a-z 0-9 + /): ${HOW_TO_MAKE_ONE}`;
  }
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < KEY_BYTES.min || bytes > KEY_BYTES.max) {
    return `WEBHOOK_SECRET is a whsec_ key of ${bytes} bytes; Standard Webhooks keys are ${KEY_BYTES.min} to ${KEY_BYTES.max} bytes: ${HOW_TO_MAKE_ONE}`;
  }
  return undefined;
}

/** The HMAC key a valid WEBHOOK_SECRET stands for (see webhookSecretProblem for which are valid). */
export function webhookSigningKey(secret: string): Uint8Array {
  return secret.startsWith(STANDARD_PREFIX)
    ? Buffer.from(secret.slice(STANDARD_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
}
