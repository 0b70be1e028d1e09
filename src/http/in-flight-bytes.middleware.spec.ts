import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { inFlightBytesLimit } from './in-flight-bytes.middleware';

class FakeResponse extends EventEmitter {
  statusCode = 200;
  headers: Record<string, string> = {};
  body?: unknown;
  setHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  status(code: number) {
    this.statusCode = code;
    return this;
  }
  json(body: unknown) {
    this.body = body;
    return this;
  }
}

const MB = 1024 * 1024;
const withBody = (headers: Record<string, string>) => ({ headers }) as unknown as Request;

describe('inFlightBytesLimit', () => {
  function run(limit: ReturnType<typeof inFlightBytesLimit>, request: Request) {
    const response = new FakeResponse();
    const next = jest.fn();
    limit(request, response as unknown as Response, next);
    return { response, passed: next.mock.calls.length === 1 };
  }

  it('admits bodies until their declared sizes reach the bound, then answers 503 with Retry-After', () => {
    const limit = inFlightBytesLimit(32 * MB, 15 * MB);
    const first = run(limit, withBody({ 'content-length': String(14 * MB) }));
    const second = run(limit, withBody({ 'content-length': String(14 * MB) }));
    const third = run(limit, withBody({ 'content-length': String(14 * MB) }));
    expect([first.passed, second.passed, third.passed]).toEqual([true, true, false]);
    expect(third.response.statusCode).toBe(503);
    expect(third.response.headers['Retry-After']).toBe('2');
    expect(run(limit, withBody({ 'content-length': '200' })).passed).toBe(true);
  });

  it('lets requests without a valid key hold a quarter of the bound at most, and callers with one the rest', () => {
    const limit = inFlightBytesLimit(32 * MB, 15 * MB, (request) => request.headers.authorization === 'Bearer valid');
    const keyed = (size: number) => withBody({ 'content-length': String(size), authorization: 'Bearer valid' });
    const anonymous = run(limit, withBody({ 'content-length': String(7 * MB) }));
    expect(anonymous.passed).toBe(true);
    expect(run(limit, withBody({ 'content-length': String(2 * MB) })).passed).toBe(false);
    expect([run(limit, keyed(15 * MB)).passed, run(limit, keyed(10 * MB)).passed]).toEqual([true, true]);
    anonymous.response.emit('close');
    expect(run(limit, withBody({ 'content-length': String(2 * MB) })).passed).toBe(true);
  });

  it('lets a chunked body without a key take the whole anonymous share instead of refusing it', () => {
    const limit = inFlightBytesLimit(32 * MB, 15 * MB, () => false);
    expect(run(limit, withBody({ 'transfer-encoding': 'chunked' })).passed).toBe(true);
    expect(run(limit, withBody({ 'content-length': '200' })).passed).toBe(false);
  });

  it('gives the reservation back when the response closes', () => {
    const limit = inFlightBytesLimit(16 * MB, 15 * MB);
    const first = run(limit, withBody({ 'content-length': String(15 * MB) }));
    expect(run(limit, withBody({ 'content-length': String(15 * MB) })).passed).toBe(false);
    first.response.emit('close');
    expect(run(limit, withBody({ 'content-length': String(15 * MB) })).passed).toBe(true);
  });

  it('counts a chunked body as large as the body limit, and a request without a body as nothing', () => {
    const limit = inFlightBytesLimit(20 * MB, 15 * MB);
    expect(run(limit, withBody({ 'transfer-encoding': 'chunked' })).passed).toBe(true);
    expect(run(limit, withBody({ 'content-length': String(6 * MB) })).passed).toBe(false);
    expect(run(limit, withBody({})).passed).toBe(true);
  });

  it('lets a body declared larger than the body limit through to the body parser, which refuses it unread', () => {
    const limit = inFlightBytesLimit(20 * MB, 15 * MB);
    expect(run(limit, withBody({ 'content-length': String(15 * MB) })).passed).toBe(true);
    expect(run(limit, withBody({ 'content-length': String(16 * MB) })).passed).toBe(true);
  });
});
