import { isDatabaseUnreachable } from './database-unreachable';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('isDatabaseUnreachable', () => {
  it('takes a refused or timed-out connection, a connection exception and a starting server for unreachable', () => {
    expect(isDatabaseUnreachable(withCode('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnreachable(new AggregateError([withCode('ECONNREFUSED'), withCode('EHOSTUNREACH')]))).toBe(true);
    expect(isDatabaseUnreachable(withCode('08006'))).toBe(true);
    expect(isDatabaseUnreachable(withCode('57P03', 'the database system is starting up'))).toBe(true);
    expect(isDatabaseUnreachable(new Error('Connection terminated due to connection timeout'))).toBe(true);
    expect(isDatabaseUnreachable(new Error('migrating the database failed', { cause: withCode('ECONNREFUSED') }))).toBe(true);
  });

  it('does not take an answer that waiting will not change for unreachable', () => {
    expect(isDatabaseUnreachable(withCode('28P01', 'password authentication failed for user "mailroute"'))).toBe(false);
    expect(isDatabaseUnreachable(withCode('3D000', 'database "history" does not exist'))).toBe(false);
    expect(isDatabaseUnreachable(new Error('corrupted migrations: expected previously executed migration 0002-next to be at index 1'))).toBe(false);
    expect(isDatabaseUnreachable('ECONNREFUSED')).toBe(false);
  });
});
