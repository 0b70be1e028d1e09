import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { newApiKey } from '../support/api-keys';
import { keepingToRateLimit } from '../support/rate-limit';
import { TestApp, useTestApp } from '../support/test-app';

const valid = { from: 'app@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };
const ADDRESS_FORMS = 'must be "address", "Name <address>" or { "email": "address", "name": "Name" }';
const DEFAULT_BODY_MAX_BYTES = 5 * 1024 * 1024;

/** The 400's message lines, after checking the answer has the one error shape. */
function problemsOf(response: { status: number; body: Record<string, unknown> }): string[] {
  expect(response.status).toBe(400);
  expect(Object.keys(response.body).sort()).toEqual(['error', 'message', 'statusCode']);
  return [response.body.message as string | string[]].flat();
}

/** A body as raw JSON, for keys such as `__proto__` that an object literal cannot hold as data. */
function postRaw(app: TestApp, path: string, json: string) {
  return app.http.post(path).set('content-type', 'application/json').send(json);
}

describe('8. control characters and quoted local parts in addresses', () => {
  const running = useTestApp();
  // Many cases in a row, faster than one client may send: kept to the limit as a client would.
  const send = (body: object) => keepingToRateLimit(() => running.app.send(body));
  const injectedLocalPart = '"x\r\nBcc: spy@evil.example\r\nX:"@b.example';

  it.each([
    ['from', { from: { email: injectedLocalPart } }, /^from must not contain CR or LF$/],
    ['to', { to: { email: injectedLocalPart } }, /^to must not contain CR or LF$/],
    ['cc', { cc: [{ email: injectedLocalPart, name: 'X' }] }, /^cc\[0\] must not contain CR or LF$/],
    ['replyTo', { replyTo: { email: injectedLocalPart } }, /^replyTo must not contain CR or LF$/],
  ])('refuses CR/LF in a quoted local part of the object form in %s', async (_field, change, expected) => {
    const response = await send({ ...valid, ...change });
    expect(problemsOf(response)).toEqual([expect.stringMatching(expected)]);
  });

  it('refuses it as that item\'s error in a batch, and accepts the other items', async () => {
    const response = await running.app.http
      .post('/v1/emails/batch')
      .send([valid, { ...valid, from: { email: injectedLocalPart } }])
      .expect(202);
    expect(response.body).toEqual([
      { index: 0, id: expect.any(String), status: 'queued' },
      { index: 1, errors: ['from must not contain CR or LF'] },
    ]);
  });

  it.each([
    ['an address inside', '"<ceo@bank.example>"@b.example'],
    ['an @', '"ceo@bank.example"@b.example'],
    ['a space', '"a b"@b.example'],
    ['a tab', '"a\tb"@b.example'],
    ['a comma', '"a,b"@b.example'],
    ['an escaped quote', '"a\\"b"@b.example'],
    ['angle brackets', '"a<b>"@b.example'],
  ])('refuses a quoted local part with %s, in the string and the object form', async (_case, email) => {
    for (const from of [email, { email }, `Ann <${email}>`]) {
      const problems = problemsOf(await send({ ...valid, from }));
      expect(problems).toEqual([expect.stringMatching(/^from (has an invalid email address|must not contain)/)]);
    }
  });

  it('still accepts a quoted local part that only holds dots where an unquoted one cannot', async () => {
    const to = ['Ann <"john..doe"@example.com>', { email: '"jane..doe"@example.com' }];
    const accepted = await send({ ...valid, to });
    expect(accepted.status).toBe(202);
    const stored = await keepingToRateLimit(() => running.app.http.get(`/v1/emails/${accepted.body.id}`));
    expect(stored.status).toBe(200);
    expect(stored.body.to).toEqual([{ email: '"john..doe"@example.com', name: 'Ann' }, { email: '"jane..doe"@example.com' }]);
  });

  it.each([
    ['NUL', '\u0000'],
    ['VT', '\u000b'],
    ['ESC', '\u001b'],
    ['DEL', '\u007f'],
    ['NEL (C1)', '\u0085'],
    ['CSI (C1)', '\u009b'],
  ])('refuses %s in every address form', async (_name, control) => {
    const forms: [string, unknown, RegExp][] = [
      ['string address', `a${control}b@example.com`, /^to must not contain control characters$/],
      ['string name', `Ann${control} <ann@example.com>`, /^to must not contain control characters$/],
      ['object email', { email: `a${control}b@example.com` }, /^to must not contain control characters$/],
      ['object name', { email: 'ann@example.com', name: `Ann${control}` }, /^to name must not contain control characters$/],
    ];
    for (const [, to, expected] of forms) {
      expect(problemsOf(await send({ ...valid, to }))).toEqual([expect.stringMatching(expected)]);
    }
  });

  it('refuses Unicode line separators and other whitespace inside an address', async () => {
    for (const email of ['a\u2028b@example.com', 'a\u00a0b@example.com']) {
      expect(problemsOf(await send({ ...valid, to: { email } }))).toEqual([
        expect.stringMatching(/^to has an invalid email address/),
      ]);
    }
  });
});

describe('8. a quoted local part against a sender allow-list', () => {
  const key = newApiKey('b', 'send', ['@b.example']);
  const running = useTestApp({ env: { API_KEYS: key.entry } });
  const send = (body: object) => running.app.http.post('/v1/emails').set('Authorization', key.bearer).send(body);

  it('refuses "<ceo@bank.example>"@b.example, which the @b.example list would let through', async () => {
    for (const from of ['"<ceo@bank.example>"@b.example', { email: '"<ceo@bank.example>"@b.example' }]) {
      expect(problemsOf(await send({ ...valid, from }))).toEqual([expect.stringMatching(/^from has an invalid email address/)]);
    }
    await send({ ...valid, from: 'orders@b.example' }).expect(202);
  });
});

describe('10. keys named after Object.prototype members in metadata and headers', () => {
  const running = useTestApp();

  it('keeps metadata keys such as constructor and toString as data', async () => {
    const metadata = { constructor: 'x', toString: 'y', hasOwnProperty: 'z', orderId: '1' };
    const accepted = await running.app.send({ ...valid, metadata }).expect(202);
    const stored = await running.app.http.get(`/v1/emails/${accepted.body.id}`).expect(200);
    expect(stored.body.metadata).toEqual(metadata);
  });

  it('keeps a header named constructor and delivers it', async () => {
    const accepted = await running.app.send({ ...valid, subject: 'constructor header', headers: { constructor: 'x' } }).expect(202);
    await running.app.waitForStatus(accepted.body.id, ['sent']);
    const parsed = await Promise.all(
      readdirSync(running.app.outboxDir)
        .filter((name) => name.endsWith('.eml'))
        .map(async (name) => simpleParser(readFileSync(join(running.app.outboxDir, name)))),
    );
    const delivered = parsed.find((mail) => mail.subject === 'constructor header');
    expect(delivered?.headers.get('constructor')).toBe('x');
  });

  it('accepts a batch in which one item has such keys, item by item', async () => {
    const response = await running.app.http
      .post('/v1/emails/batch')
      .send([valid, { ...valid, metadata: { constructor: 'x' } }, { ...valid, headers: { constructor: 'x' } }])
      .expect(202);
    expect(response.body).toEqual([0, 1, 2].map((index) => ({ index, id: expect.any(String), status: 'queued' })));
  });

  it('refuses __proto__ as a metadata key or header name with 400 naming the field', async () => {
    const single = (field: string) => `{"from":"app@example.com","to":"ann@example.com","subject":"Hi","text":"x","${field}":{"__proto__":"x"}}`;
    expect(problemsOf(await postRaw(running.app, '/v1/emails', single('metadata')))).toEqual([
      'metadata must not have a "__proto__" key',
    ]);
    expect(problemsOf(await postRaw(running.app, '/v1/emails', single('headers')))).toEqual([
      'headers must not have a "__proto__" key',
    ]);
  });

  it.each([
    ['a constructor key in the message itself', '{"constructor":"x"}', 'property constructor should not exist'],
    ['a __proto__ key in the message itself', '{"__proto__":{"subject":"x"}}', 'property __proto__ should not exist'],
    ['a constructor key in subject', '{"subject":{"constructor":"x"}}', 'subject must be a string'],
    ['a constructor key in to', '{"to":{"email":"ann@example.com","constructor":"x"}}', `to ${ADDRESS_FORMS}`],
    ['a constructor key in tags', '{"tags":[{"constructor":"x"}]}', 'each value in tags must be a string'],
    ['a constructor key in an attachment', '{"attachments":[{"filename":"a.txt","content":"YQ==","constructor":"x"}]}', 'property attachments.0.constructor should not exist'],
    ['a "(" key in an attachment', '{"attachments":[{"filename":"a.txt","content":"YQ==","(":"x"}]}', 'property attachments.0.( should not exist'],
    ['an attachment that is an array of one', '{"attachments":[[{"filename":"a.txt","content":"YQ=="}]]}', 'each attachment must be an object'],
    ['an attachment that is an empty array', '{"attachments":[[]]}', 'each attachment must be an object'],
  ])('answers 400, not 500, for %s', async (_where, change, expected) => {
    // Later duplicate keys win in JSON.parse, so the change overrides the valid field of the same name.
    const raw = `${JSON.stringify(valid).slice(0, -1)},${change.slice(1)}`;
    expect(problemsOf(await postRaw(running.app, '/v1/emails', raw))).toEqual(expect.arrayContaining([expected]));
    const batch = await postRaw(running.app, '/v1/emails/batch', `[${raw},${JSON.stringify(valid)}]`).expect(202);
    expect(batch.body[0]).toEqual({ index: 0, errors: expect.arrayContaining([expected]) });
  });
});

describe('12. the header policy', () => {
  const running = useTestApp();

  it.each(['Resent-From', 'Resent-Sender', 'X-Original-From', 'Errors-To', 'Authentication-Results', 'Content-ID', 'Content-Location'])(
    'refuses %s as a custom header',
    async (name) => {
      expect(problemsOf(await running.app.send({ ...valid, headers: { [name]: 'ceo@bank.example' } }))).toEqual([
        `headers.${name} cannot be set as a custom header; mailroute sets it, or it would forge the sender or routing`,
      ]);
    },
  );

  it.each(['resent-date', 'ARC-Seal', 'X-Mailgun-Variables', 'X-SMTPAPI', 'Disposition-Notification-To', 'Original-From'])(
    'refuses the related %s too',
    async (name) => {
      expect(problemsOf(await running.app.send({ ...valid, headers: { [name]: 'x' } }))).toEqual([
        expect.stringMatching(new RegExp(`^headers\\.${name} cannot be set`)),
      ]);
    },
  );

  it('still accepts the headers applications set', async () => {
    const headers = { 'X-Campaign': 'a', 'List-Unsubscribe': '<mailto:u@example.com>', 'In-Reply-To': '<a@example.com>', References: '<a@example.com>' };
    await running.app.send({ ...valid, headers }).expect(202);
  });

  it.each([
    ['a second address after the first', { from: 'app@example.com evil@attacker.com' }, 'from'],
    ['an address as the quoted name', { from: '"evil@attacker.com" <app@example.com>' }, 'from'],
    ['an address as a comment', { from: 'app@example.com (evil@attacker.com)' }, 'from'],
    ['an address as the object name', { from: { email: 'app@example.com', name: 'evil@attacker.com' } }, 'from'],
    ['a fullwidth at sign', { from: 'evil＠attacker.com <app@example.com>' }, 'from'],
    ['an address in a reply-to name', { replyTo: { email: 'r@example.com', name: 'Support ceo@bank.example' } }, 'replyTo'],
  ])('refuses a display name carrying %s', async (_case, change, field) => {
    expect(problemsOf(await running.app.send({ ...valid, ...change }))).toEqual([
      `${field} name must not contain "@" unless it is the address itself`,
    ]);
  });

  it('accepts a display name that is the address itself', async () => {
    await running.app.send({ ...valid, to: { email: 'ann@example.com', name: 'Ann@Example.com' } }).expect(202);
  });

  it.each([
    ['NUL', '\u0000'],
    ['VT', '\u000b'],
    ['ESC', '\u001b'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
  ])('refuses %s in the subject, names and header values', async (_name, control) => {
    const cases: [object, string][] = [
      [{ subject: `Hi${control}there` }, 'subject must not contain control characters'],
      [{ from: { email: 'app@example.com', name: `App${control}` } }, 'from name must not contain control characters'],
      [{ from: `App${control} <app@example.com>` }, 'from must not contain control characters'],
      [{ to: [{ email: 'ann@example.com', name: `Ann${control}` }] }, 'to[0] name must not contain control characters'],
      [{ headers: { 'X-Tag': `a${control}b` } }, 'headers.X-Tag must not contain control characters'],
    ];
    for (const [change, expected] of cases) {
      expect(problemsOf(await running.app.send({ ...valid, ...change }))).toEqual([expected]);
    }
  });

  it('accepts a tab, which headers may hold as whitespace', async () => {
    await running.app.send({ ...valid, subject: 'a\tb', headers: { 'X-Tag': 'a\tb' } }).expect(202);
  });

  it('refuses a control character as that item\'s error in a batch', async () => {
    const response = await running.app.http
      .post('/v1/emails/batch')
      .send([{ ...valid, subject: 'a\u0000b' }, valid, { ...valid, headers: { 'Resent-From': 'x@example.com' } }])
      .expect(202);
    expect(response.body).toEqual([
      { index: 0, errors: ['subject must not contain control characters'] },
      { index: 1, id: expect.any(String), status: 'queued' },
      { index: 2, errors: [expect.stringMatching(/^headers\.Resent-From cannot be set/)] },
    ]);
  });
});

describe('7. body size cap (default)', () => {
  const running = useTestApp();

  it.each(['text', 'html'])('refuses a %s over 5 MiB with 413 naming the field', async (field) => {
    const response = await running.app.send({ ...valid, [field]: 'a'.repeat(DEFAULT_BODY_MAX_BYTES + 1) }).expect(413);
    expect(response.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: [`${field} is ${DEFAULT_BODY_MAX_BYTES + 1} bytes, over the limit of ${DEFAULT_BODY_MAX_BYTES}`],
    });
  });
});

describe('7. body size cap (MAIL_BODY_MAX_BYTES)', () => {
  const running = useTestApp({ env: { MAIL_BODY_MAX_BYTES: '1000' } });

  it('accepts a body of exactly the limit and refuses one byte more', async () => {
    await running.app.send({ ...valid, text: 'a'.repeat(1000), html: 'b'.repeat(1000) }).expect(202);
    const response = await running.app.send({ ...valid, html: 'b'.repeat(1001) }).expect(413);
    expect(response.body.message).toEqual(['html is 1001 bytes, over the limit of 1000']);
  });

  it('counts UTF-8 bytes, not characters', async () => {
    const response = await running.app.send({ ...valid, text: 'é'.repeat(501) }).expect(413);
    expect(response.body.message).toEqual(['text is 1002 bytes, over the limit of 1000']);
  });

  it('refuses an oversized item of a batch as that item\'s error', async () => {
    const response = await running.app.http
      .post('/v1/emails/batch')
      .send([valid, { ...valid, text: 'a'.repeat(1001) }])
      .expect(202);
    expect(response.body).toEqual([
      { index: 0, id: expect.any(String), status: 'queued' },
      { index: 1, errors: ['text is 1001 bytes, over the limit of 1000'] },
    ]);
  });
});

describe('what held up: the sender allow-list', () => {
  const key = newApiKey('shop', 'send', ['@shop.example']);
  const running = useTestApp({ env: { API_KEYS: key.entry } });
  const send = (from: unknown) =>
    running.app.http.post('/v1/emails').set('Authorization', key.bearer).send({ ...valid, from });

  it.each([
    ['a display name', 'Shop Orders <ceo@bank.example>', 403],
    ['an allowed address as the display name', '"orders@shop.example" <ceo@bank.example>', 400],
    ['an allowed address as a comment', 'ceo@bank.example (orders@shop.example)', 400],
    ['a group', 'Shop: orders@shop.example, ceo@bank.example;', 400],
    ['a homoglyph domain', 'orders@shоp.example', 403],
    ['a punycode domain', 'orders@xn--shp-ted.example', 403],
    ['a trailing dot', 'orders@shop.example.', 400],
    ['a subdomain', 'orders@evil.shop.example', 403],
  ])('refuses %s', async (_trick, from, status) => {
    const response = await send(from).expect(status);
    expect([response.body.message].flat()).toEqual([expect.stringMatching(/^from /)]);
  });

  it('accepts the allowed domain in any case', async () => {
    await send('Shop <orders@SHOP.example>').expect(202);
  });
});

describe('what held up: .eml encoding', () => {
  const running = useTestApp();

  it('keeps CR/LF, U+2028, U+0085 and NUL in bodies, and U+2028 in the subject, from making headers', async () => {
    const text = 'line\r\nBcc: spy@evil.example\r\n\r\nnul\u0000 nel\u0085 ls\u2028end';
    const subject = 'Hello\u2028Bcc: spy@evil.example';
    const accepted = await running.app
      .send({ ...valid, from: { email: 'app@example.com', name: 'App\u2028Bcc: spy' }, subject, text })
      .expect(202);
    await running.app.waitForStatus(accepted.body.id, ['sent']);
    const [file] = readdirSync(running.app.outboxDir).filter((name) => name.endsWith('.eml'));
    const parsed = await simpleParser(readFileSync(join(running.app.outboxDir, file)));
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.subject).toBe(subject);
    expect(parsed.from?.value).toEqual([{ address: 'app@example.com', name: 'App\u2028Bcc: spy' }]);
    expect(parsed.text).toContain('Bcc: spy@evil.example');
  });
});
