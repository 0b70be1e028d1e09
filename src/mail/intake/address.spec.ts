import { parseAddress } from './address';

describe('parseAddress', () => {
  it('answers a repeated string as it answered the first time, and the shared answer cannot be changed', () => {
    const first = parseAddress('Ann <ann@EXAMPLE.com>');
    const again = parseAddress('Ann <ann@EXAMPLE.com>');
    expect(again).toEqual({ address: { email: 'ann@example.com', name: 'Ann' } });
    expect(again).toEqual(first);
    expect(() => {
      (again as { address: { email: string } }).address.email = 'mallory@example.com';
    }).toThrow(TypeError);
    expect(parseAddress('Ann <ann@EXAMPLE.com>')).toEqual({ address: { email: 'ann@example.com', name: 'Ann' } });
  });

  it('keeps answering correctly once more distinct addresses than it remembers have been parsed', () => {
    for (let i = 0; i < 1_500; i += 1) expect(parseAddress(`user${i}@example.com`)).toEqual({ address: { email: `user${i}@example.com` } });
    expect(parseAddress('user0@example.com')).toEqual({ address: { email: 'user0@example.com' } });
    expect(parseAddress('not an address')).toEqual({ problem: 'has an invalid email address "not an address"' });
  });

  describe('control characters', () => {
    it.each(['\u0000', '\u000b', '\u001b', '\u007f', '\u0085'])('refuses %j in every form', (control) => {
      const refused = { problem: 'must not contain control characters' };
      expect(parseAddress(`a${control}b@example.com`)).toEqual(refused);
      expect(parseAddress(`Ann${control} <ann@example.com>`)).toEqual(refused);
      expect(parseAddress({ email: `a${control}b@example.com` })).toEqual(refused);
      expect(parseAddress({ email: 'ann@example.com', name: `Ann${control}` })).toEqual({ problem: `name ${refused.problem}` });
    });

    it('names CR and LF, also inside a quoted local part', () => {
      expect(parseAddress({ email: '"x\r\nBcc: spy@evil.example\r\nX:"@b.example' })).toEqual({ problem: 'must not contain CR or LF' });
    });

    it('accepts a tab in a display name', () => {
      expect(parseAddress({ email: 'ann@example.com', name: 'Ann\tSmith' })).toEqual({
        address: { email: 'ann@example.com', name: 'Ann\tSmith' },
      });
    });
  });

  describe('quoted local parts', () => {
    it('accepts one that only holds dots', () => {
      expect(parseAddress({ email: '"john..doe"@example.com' })).toEqual({ address: { email: '"john..doe"@example.com' } });
    });

    it.each(['"<ceo@bank.example>"@b.example', '"a b"@b.example', '"a,b"@b.example', '"a\\"b"@b.example', '"a;b"@b.example'])(
      'refuses %s',
      (email) => {
        expect(parseAddress({ email })).toEqual({ problem: expect.stringContaining('a quoted local part must not contain') });
      },
    );

    it('refuses Unicode whitespace in an unquoted local part', () => {
      expect(parseAddress({ email: 'a\u2028b@example.com' })).toEqual({ problem: 'has an invalid email address "a\u2028b@example.com"' });
    });
  });

  describe('display names', () => {
    it.each([
      'app@example.com evil@attacker.com',
      '"evil@attacker.com" <app@example.com>',
      'app@example.com (evil@attacker.com)',
      'evil＠attacker.com <app@example.com>',
    ])('refuses one that carries an address: %s', (value) => {
      expect(parseAddress(value)).toEqual({ problem: 'name must not contain "@" unless it is the address itself' });
    });

    it('accepts the address itself as the name, in any case', () => {
      expect(parseAddress({ email: 'ann@example.com', name: 'ANN@example.com' })).toEqual({
        address: { email: 'ann@example.com', name: 'ANN@example.com' },
      });
    });
  });
});
