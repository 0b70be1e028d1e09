import { redactedUrl } from './redacted-url';

describe('redactedUrl', () => {
  it.each([
    ['/v1/emails?to=ann@example.com', '/v1/emails?to=[redacted]'],
    ['/v1/emails?to=ann%40example.com&limit=5', '/v1/emails?to=[redacted]&limit=5'],
    ['/v1/emails?tag=t&to=%22Ann%22%20%3Cann%40example.com%3E', '/v1/emails?tag=t&to=[redacted]'],
    ['/v1/suppressions/ann@example.com', '/v1/suppressions/[redacted]'],
    ['/v1/suppressions/ann%40example.com?x=1', '/v1/suppressions/[redacted]?x=1'],
    ['/v1/emails?ann@example.com', '/v1/emails?[redacted]'],
    ['/v1/emails?%E0%A4%A@x=1', '/v1/emails?[redacted]=1'],
  ])('redacts the address in %s', (url, redacted) => {
    expect(redactedUrl(url)).toBe(redacted);
  });

  it.each(['/v1/emails/5b0d6c1e-8a1b-4c55-9f0e-1d2c3b4a5f60', '/v1/emails?status=failed&limit=1&cursor=MTc2Mzg5', '/v1/emails'])(
    'keeps %s as it is',
    (url) => {
      expect(redactedUrl(url)).toBe(url);
    },
  );
});
