import { FRESHNESS_SECONDS, isFresh } from './signed-timestamp';

describe('isFresh', () => {
  const now = 1_790_000_000;

  it('takes whole seconds up to the window either side of now', () => {
    expect(isFresh(String(now), now)).toBe(true);
    expect(isFresh(String(now - FRESHNESS_SECONDS), now)).toBe(true);
    expect(isFresh(String(now + FRESHNESS_SECONDS), now)).toBe(true);
  });

  it('refuses a timestamp just outside the window', () => {
    expect(isFresh(String(now - FRESHNESS_SECONDS - 1), now)).toBe(false);
    expect(isFresh(String(now + FRESHNESS_SECONDS + 1), now)).toBe(false);
  });

  it.each(['', `${now}a`, `${now}.0`, ` ${now}`, `-${now}`, '1e9', 'NaN', `0x${now.toString(16)}`, '9'.repeat(400)])(
    'refuses %j, which is not digits only',
    (timestamp) => expect(isFresh(timestamp, now)).toBe(false),
  );
});
