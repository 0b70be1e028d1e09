import { MAX_JSON_DEPTH, MAX_JSON_PROPERTIES, checkJsonShape } from './json-shape.limit';

const check = (json: string) => () => checkJsonShape(Buffer.from(json));

describe('checkJsonShape', () => {
  it('accepts an ordinary message', () => {
    expect(check(JSON.stringify({ to: ['a@example.com'], headers: { 'X-A': '{[[[' }, metadata: { a: '1' } }))).not.toThrow();
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH}`, () => {
    expect(check('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).not.toThrow();
    expect(check('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1))).toThrow(/nesting deeper/);
  });

  it('ignores brackets, braces, commas and escaped quotes inside strings', () => {
    expect(check(JSON.stringify({ text: '[[[[[[[[[[[[[[[[ "quoted" ,,,,,,'.repeat(2000) }))).not.toThrow();
  });

  it(`refuses more than ${MAX_JSON_PROPERTIES} members`, () => {
    expect(check(JSON.stringify({ tags: Array(MAX_JSON_PROPERTIES + 5).fill('t') }))).toThrow(/more than/);
  });
});
