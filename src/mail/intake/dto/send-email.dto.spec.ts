import { validate } from 'class-validator';
import { parseAddress } from '../address';
import { toSendEmailDto } from './send-email.dto';

const valid = { from: 'app@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };

/** The messages the API would answer with: whitelist and forbidNonWhitelisted, as in app.setup.ts. */
async function problems(body: Record<string, unknown>): Promise<string[]> {
  const dto = toSendEmailDto(body);
  if (Array.isArray(dto)) return dto;
  const errors = await validate(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
  });
  return errors.flatMap((error) => Object.values(error.constraints ?? {}));
}

describe('SendEmailDto', () => {
  it('accepts the smallest valid message', async () => {
    expect(await problems(valid)).toEqual([]);
  });

  describe('address normalisation', () => {
    it('lowers the domain, keeps the local part, trims and NFC-normalises the name', () => {
      expect(parseAddress({ email: 'Ann.Smith@Example.COM', name: '  Ame\u0301lie ' })).toEqual({
        address: { email: 'Ann.Smith@example.com', name: 'Amélie' },
      });
      expect(parseAddress('  Bob <bob@Bücher.Example> ')).toEqual({ address: { email: 'bob@bücher.example', name: 'Bob' } });
    });
  });

  describe('addresses', () => {
    it.each([
      ['a bare address', 'ann@example.com'],
      ['a named address', 'Ann Müller <ann@example.com>'],
      ['a quoted name with a comma', '"Müller, Ann" <ann@example.com>'],
      ['an object', { email: 'ann@example.com', name: 'Ann 😀' }],
      ['an object without name', { email: 'ann@example.com' }],
      ['an IDN domain', 'ann@bücher.example'],
      ['a mixed array', ['ann@example.com', 'Bob <bob@example.com>', { email: 'c@example.com' }]],
    ])('accepts %s in to, cc, bcc', async (_case, address) => {
      expect(await problems({ ...valid, to: address, cc: address, bcc: address })).toEqual([]);
    });

    it.each([
      ['no @', 'ann.example.com', 'to has an invalid email address "ann.example.com"'],
      ['two addresses in one string', 'a@example.com, b@example.com', 'to must be exactly one address'],
      ['a number', 42, 'to must be "address"'],
      ['an object with an unknown key', { email: 'a@example.com', phone: '1' }, 'to must be "address"'],
      ['a name with a line break', { email: 'a@example.com', name: 'A\r\nBcc: x@example.com' }, 'to name must not contain CR or LF'],
      ['a string with a line break', 'A\n<a@example.com>', 'to must not contain CR or LF'],
    ])('refuses %s, naming the field', async (_case, to, expected) => {
      expect((await problems({ ...valid, to })).join('\n')).toContain(expected);
    });

    it('names the index of a bad array element', async () => {
      expect(await problems({ ...valid, cc: ['ok@example.com', 'bad'] })).toEqual([
        'cc[1] has an invalid email address "bad"',
      ]);
    });

    it('requires at least one to', async () => {
      expect(await problems({ ...valid, to: [] })).toEqual(['to must contain at least one address']);
      expect(await problems({ ...valid, to: undefined })).toEqual(['to should not be null or undefined']);
    });

    it('allows 50 recipients across to, cc and bcc, and refuses 51', async () => {
      const addresses = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);
      expect(await problems({ ...valid, to: addresses(20, 't'), cc: addresses(20, 'c'), bcc: addresses(10, 'b') })).toEqual([]);
      expect(await problems({ ...valid, to: addresses(20, 't'), cc: addresses(20, 'c'), bcc: addresses(11, 'b') })).toEqual([
        'to, cc and bcc together must not have more than 50 recipients (got 51)',
      ]);
    });

    it('takes exactly one replyTo', async () => {
      expect(await problems({ ...valid, replyTo: 'Support <help@example.com>' })).toEqual([]);
      expect((await problems({ ...valid, replyTo: ['help@example.com'] })).join()).toMatch(/^replyTo must be/);
    });

    it('leaves from optional (the service applies MAIL_DEFAULT_FROM) but checks it when given', async () => {
      expect(await problems({ ...valid, from: undefined })).toEqual([]);
      expect(await problems({ ...valid, from: 'nope' })).toEqual(['from has an invalid email address "nope"']);
    });
  });

  describe('subject', () => {
    it.each([
      ['missing', undefined, 'subject must be a string'],
      ['empty', '', 'subject must be longer than or equal to 1 characters'],
      ['too long', 'x'.repeat(999), 'subject must be shorter than or equal to 998 characters'],
      ['with CR LF', 'Hi\r\nBcc: victim@example.com', 'subject must not contain CR or LF'],
      ['with NUL', 'Hi\u0000', 'subject must not contain control characters'],
      ['with ESC', 'Hi\u001b[31m', 'subject must not contain control characters'],
      ['with a C1 control', 'Hi\u0085', 'subject must not contain control characters'],
    ])('refuses a subject that is %s', async (_case, subject, expected) => {
      expect(await problems({ ...valid, subject })).toEqual([expected]);
    });

    it('accepts a tab and Unicode line separators, which MIME encodes', async () => {
      expect(await problems({ ...valid, subject: 'a\tb\u2028c' })).toEqual([]);
    });

    it('accepts 998 characters of Unicode', async () => {
      expect(await problems({ ...valid, subject: '📦'.repeat(499) })).toEqual([]);
    });
  });

  describe('body', () => {
    it('needs text or html', async () => {
      expect(await problems({ ...valid, text: undefined })).toEqual(['text or html is required']);
    });

    it('treats null bodies as absent', async () => {
    expect(await problems({ ...valid, text: null, html: null })).toEqual(['text or html is required']);
    expect(await problems({ ...valid, text: null, html: '<p>Hi</p>' })).toEqual([]);
  });

  it('accepts html alone, and both', async () => {
      expect(await problems({ ...valid, text: undefined, html: '<p>Hi</p>' })).toEqual([]);
      expect(await problems({ ...valid, html: '<p>Hi</p>' })).toEqual([]);
    });

    it('refuses non-string bodies', async () => {
      expect(await problems({ ...valid, text: 5 })).toEqual(['text must be a string']);
      expect(await problems({ ...valid, html: ['x'] })).toEqual(['html must be a string']);
    });
  });

  describe('headers', () => {
    it('accepts custom headers', async () => {
      expect(await problems({ ...valid, headers: { 'X-Campaign': 'autumn', 'List-Unsubscribe': '<mailto:u@example.com>' } })).toEqual([]);
    });

    it.each([
      ['a reserved header', { From: 'x@example.com' }, 'headers.From cannot be set as a custom header'],
      ['a reserved header in any case', { 'reply-TO': 'x@example.com' }, 'headers.reply-TO cannot be set'],
      ['a Resent- header', { 'Resent-From': 'x@example.com' }, 'headers.Resent-From cannot be set'],
      ['a Content- header', { 'Content-ID': '<x>' }, 'headers.Content-ID cannot be set'],
      ['an identity header', { 'X-Original-From': 'x@example.com' }, 'headers.X-Original-From cannot be set'],
      ['a value with NUL', { 'X-A': 'b\u0000' }, 'headers.X-A must not contain control characters'],
      ['a __proto__ key', JSON.parse('{"__proto__":"x"}'), 'headers must not have a "__proto__" key'],
      ['a name with a colon', { 'X-A:b': 'c' }, 'headers has an invalid header name "X-A:b"'],
      ['a name with a space', { 'X A': 'c' }, 'headers has an invalid header name "X A"'],
      ['a value with a line break', { 'X-A': 'b\r\nBcc: x@example.com' }, 'headers.X-A must not contain CR or LF'],
      ['a non-string value', { 'X-A': 1 }, 'headers.X-A must be a string'],
      ['an array', ['X-A'], 'headers must be an object'],
    ])('refuses %s', async (_case, headers, expected) => {
      expect((await problems({ ...valid, headers })).join()).toContain(expected);
    });
  });

  describe('tags and metadata', () => {
    it('accepts tags and flat string metadata', async () => {
      expect(await problems({ ...valid, tags: ['welcome', 'v2.1:a_b-c'], metadata: { userId: '42' } })).toEqual([]);
    });

    it.each([
      [{ tags: 'welcome' }, 'tags must be an array'],
      [{ tags: ['has space'] }, 'each tag must be 1-64 characters'],
      [{ tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tags must contain no more than 10 elements'],
      [{ metadata: { nested: { a: '1' } } }, 'metadata.nested must be a string'],
      [{ metadata: { n: 1 } }, 'metadata.n must be a string'],
      [{ metadata: 'x' }, 'metadata must be an object of string values'],
      [{ metadata: JSON.parse('{"__proto__":"x"}') }, 'metadata must not have a "__proto__" key'],
    ])('refuses %j', async (extra, expected) => {
      expect((await problems({ ...valid, ...extra })).join()).toContain(expected);
    });
  });

  it('refuses unknown fields by name', async () => {
    expect(await problems({ ...valid, priority: 'high' })).toEqual(['property priority should not exist']);
  });

  describe('toSendEmailDto', () => {
    it('keeps map keys named like Object.prototype members as data', () => {
      const metadata = { constructor: 'x', toString: 'y', hasOwnProperty: 'z' };
      const dto = toSendEmailDto({ ...valid, metadata, headers: { constructor: 'x' } });
      expect(dto).toMatchObject({ metadata, headers: { constructor: 'x' } });
    });

    it('refuses keys that would change what the message or an attachment is', () => {
      expect(toSendEmailDto(JSON.parse('{"__proto__":{"subject":"x"},"constructor":"y"}'))).toEqual([
        'property constructor should not exist',
        'property __proto__ should not exist',
      ]);
      expect(toSendEmailDto({ ...valid, attachments: [{ filename: 'a', content: 'YQ==', constructor: 'x' }] })).toEqual([
        'property attachments.0.constructor should not exist',
      ]);
    });

    it.each([[[['x']]], [[[]]], [[[{ filename: 'a', content: 'YQ==' }]]], [['x']], [[null]]])(
      'refuses attachments %j whose items are not objects',
      async (attachments) => {
        expect(await problems({ ...valid, attachments })).toEqual(['each attachment must be an object']);
      },
    );
  });
});
