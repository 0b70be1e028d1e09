import { tickBatched } from './tick-batched';

describe('tickBatched', () => {
  it('reads each distinct key once for the calls made in the same tick, answering each call with its own key’s value', async () => {
    const reads: string[] = [];
    const read = tickBatched(async (key: string) => {
      reads.push(key);
      return `${key}!`;
    });
    expect(await Promise.all([read('a'), read('b'), read('a')])).toEqual(['a!', 'b!', 'a!']);
    expect(reads).toEqual(['a', 'b']);
  });

  it('reads only after the calls have asked, and reads again for a call made after that: no answer is older than its call', async () => {
    let value = 1;
    const readValues: number[] = [];
    const read = tickBatched(async () => {
      readValues.push(value);
      return value;
    });
    const first = read('k');
    value = 2;
    expect(await first).toBe(2);
    value = 3;
    expect(await read('k')).toBe(3);
    expect(readValues).toEqual([2, 3]);
  });

  it('fails every call of a batch whose read failed, and reads again for the next', async () => {
    let fail = true;
    const read = tickBatched(async () => {
      if (fail) throw new Error('Redis is away');
      return 'ok';
    });
    const results = await Promise.allSettled([read('a'), read('b')]);
    expect(results.map(({ status }) => status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await read('a')).toBe('ok');
  });
});
