import { sign, verify } from './mailroute-signature';

const secret = 'whsec_0123456789abcdef';
const body = JSON.stringify({ type: 'email.sent', data: { emailId: 'x' } });

describe('the deprecated Mailroute-Signature', () => {
  it('verify what was signed', () => {
    expect(verify(body, sign(body, secret), secret)).toBe(true);
  });

  it('fail for another body, another secret, a stale or future timestamp, or garbage', () => {
    const now = 1_800_000_000;
    const header = sign(body, secret, now);
    expect(verify(`${body} `, header, secret, now)).toBe(false);
    expect(verify(body, header, 'whsec_another-secret-value', now)).toBe(false);
    expect(verify(body, header, secret, now + 301)).toBe(false);
    expect(verify(body, header, secret, now - 301)).toBe(false);
    expect(verify(body, header, secret, now + 300)).toBe(true);
    expect(verify(body, 't=abc,v1=00', secret, now)).toBe(false);
    expect(verify(body, '', secret, now)).toBe(false);
  });
});
