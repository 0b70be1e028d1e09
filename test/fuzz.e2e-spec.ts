import fc from 'fast-check';
import { parseAddress } from '../src/mail/intake/address';
import { keepingToRateLimit } from './support/rate-limit';
import { useTestApp } from './support/test-app';

const valid = {
  from: 'Shop <shop@example.com>',
  to: ['ann@example.com'],
  cc: 'Carol <carol@example.com>',
  subject: 'Your order',
  text: 'Hello',
  html: '<p>Hello</p>',
  headers: { 'X-Campaign': 'autumn' },
  tags: ['orders'],
  metadata: { orderId: '1' },
};
const fields = [...Object.keys(valid), 'bcc', 'replyTo', 'unknown', 'constructor', '__proto__'];

/**
 * Strings with the characters that break naive mail code: line breaks and other controls, NULs, quotes,
 * angle brackets, emoji.
 */
const nasty = fc.stringMatching(/^[\s\S]{0,40}$/).chain((base) =>
  fc
    .constantFrom('', '\r\n', '\n', '\0', '\x1b', '\x0b', '\x85', '\u2028', '"', '<', '>', ',', '@', '📦', 'Ü', ':')
    .map((extra) => base + extra),
);
/** Objects whose keys trip code that treats JSON objects as class instances. */
const prototypeKeyed = fc.dictionary(fc.constantFrom('constructor', '__proto__', 'toString', 'email', 'name'), fc.oneof(nasty, fc.jsonValue({ maxDepth: 1 })));
/** A valid message with some fields replaced by arbitrary JSON, nasty strings, or dropped. */
const mutated = fc
  .array(
    fc.tuple(fc.constantFrom(...fields), fc.oneof(fc.jsonValue({ maxDepth: 3 }), nasty, prototypeKeyed, fc.constant(undefined))),
    { maxLength: 4 },
  )
  .map((changes) => ({ ...valid, ...Object.fromEntries(changes) }));
const anyJson = fc.jsonValue({ maxDepth: 6 });

describe('random and mutated payloads', () => {
  // The property sends as fast as it can, faster than one client may (API_RATE_LIMIT): it keeps to the
  // limit as a client would, since what it tests is the handling of input.
  const running = useTestApp();

  it('never get a 5xx, and every accepted one is stored valid', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ arbitrary: mutated, weight: 4 }, { arbitrary: anyJson, weight: 1 }), async (payload) => {
        const response = await keepingToRateLimit(() =>
          running.app.http
            .post('/v1/emails')
            .set('content-type', 'application/json')
            .send(JSON.stringify(payload) ?? 'null'),
        );
        expect([202, 400, 413]).toContain(response.status);
        if (response.status !== 202) return;
        accepted += 1;
        const stored = await keepingToRateLimit(() => running.app.http.get(`/v1/emails/${response.body.id}`));
        expect(stored.status).toBe(200);
        expectValidMessage(stored.body);
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(50);
    await running.app.http.get('/health/live').expect(200);
    // A fixed 1,500 requests: a slow machine needs longer than the default 30 s, and that says nothing.
  }, 120_000);

  it('never get a 5xx for bodies that are not JSON at all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (body) => {
        const response = await keepingToRateLimit(() => running.app.http.post('/v1/emails').set('content-type', 'application/json').send(body));
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});

function expectValidMessage(email: {
  from: unknown;
  to: unknown[];
  cc: unknown[];
  bcc: unknown[];
  replyTo?: unknown;
  subject: string;
  tags: string[];
  metadata: Record<string, unknown>;
}) {
  const addresses = [email.from, ...email.to, ...email.cc, ...email.bcc, ...(email.replyTo ? [email.replyTo] : [])];
  for (const address of addresses) expect(parseAddress(address)).toEqual({ address });
  expect(email.to.length).toBeGreaterThan(0);
  expect(email.to.length + email.cc.length + email.bcc.length).toBeLessThanOrEqual(50);
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  expect(email.subject).toMatch(/^[^\x00-\x08\x0a-\x1f\x7f-\x9f]{1,998}$/);
  expect(Object.keys(email.metadata)).not.toContain('__proto__');
  expect(email.tags.every((tag) => /^[A-Za-z0-9_.:-]{1,64}$/.test(tag))).toBe(true);
  expect(Object.values(email.metadata).every((value) => typeof value === 'string')).toBe(true);
}
