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
});
