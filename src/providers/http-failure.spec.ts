import { classifyHttpFailure, parseRetryAfter } from './http-failure';
import { PermanentProviderError, TransientProviderError } from './provider.errors';

describe('classifyHttpFailure', () => {
  it.each([400, 413])('treats HTTP %i as a permanent refusal of the message', (status) => {
    const error = classifyHttpFailure('sendgrid', { status, detail: 'bad address' });
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error.message).toBe(`sendgrid answered HTTP ${status}: bad address`);
  });

  it.each([401, 403, 404, 408, 500, 502, 503])('treats HTTP %i as this provider failing', (status) => {
    expect(classifyHttpFailure('mailgun', { status, detail: 'x' })).toBeInstanceOf(TransientProviderError);
  });

  it('keeps the wait a 429 asks for', () => {
    const error = classifyHttpFailure('mailgun', { status: 429, detail: 'slow down', retryAfter: '7' });
    expect(error).toEqual(expect.objectContaining({ retryAfterMs: 7000 }));
  });

  it('treats no answer at all as transient', () => {
    const error = classifyHttpFailure('sendgrid', { detail: 'connect ECONNREFUSED 127.0.0.1:9' });
    expect(error).toBeInstanceOf(TransientProviderError);
    expect(error.message).toBe('sendgrid could not be reached: connect ECONNREFUSED 127.0.0.1:9');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
