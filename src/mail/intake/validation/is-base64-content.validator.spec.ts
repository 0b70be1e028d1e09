import fc from 'fast-check';
import { isBase64 } from 'class-validator';
import { isBase64Content } from './is-base64-content.validator';

describe('isBase64Content', () => {
  it('agrees with class-validator\'s isBase64 on short strings of base64 characters and others', () => {
    const characters = fc.constantFrom(...'ABCab09+/=-_ \n'.split(''));
    fc.assert(
      fc.property(fc.array(characters, { maxLength: 24 }), (chars) => {
        const value = chars.join('');
        expect(isBase64Content(value)).toBe(isBase64(value));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes an attachment of the largest size', () => {
    const content = Buffer.alloc(10 * 1024 * 1024, 7).toString('base64');
    expect(isBase64Content(content)).toBe(true);
    expect(isBase64Content(`${content.slice(0, -4)}A=A=`)).toBe(false);
  });
});
