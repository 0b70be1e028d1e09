import { isRedisRoute, outageMessage } from './outage-message';

describe('outageMessage', () => {
  it("says what did not happen on the route's own terms", () => {
    expect(outageMessage('POST', '/v1/emails')).toBe('The message could not be stored, so it was not accepted; try again.');
    expect(outageMessage('GET', '/v1/emails/:id')).toMatch(/^The message cannot be read/);
    expect(outageMessage('POST', '/v1/emails/:id/cancel')).toMatch(/^The message was not cancelled/);
  });

  it('falls back to a read or a write sentence for a route it does not know, or none', () => {
    expect(outageMessage('GET', '/v1/something/new')).toBe('This cannot be read while Redis is unreachable; try again.');
    expect(outageMessage('PUT', undefined)).toBe('Nothing was changed: Redis is unreachable; try again.');
  });

  it('knows the routes that need Redis by method and route template, not by URL', () => {
    expect(isRedisRoute('DELETE', '/v1/suppressions/:email')).toBe(true);
    expect(isRedisRoute('GET', '/v1/suppressions/:email')).toBe(false);
    expect(isRedisRoute('GET', '/health/ready')).toBe(false);
    expect(isRedisRoute('GET', undefined)).toBe(false);
  });
});
