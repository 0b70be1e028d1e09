import { BadRequestException } from '@nestjs/common';
import { MailgunWebhookDto } from './dto/mailgun-webhook.dto';
import { MAX_DETAIL_LENGTH, readPayload, shortDetail } from './provider-payload';

describe('readPayload', () => {
  const signature = { timestamp: '1790000000', token: 'abc', signature: 'a'.repeat(64) };

  it('keeps only the declared fields, whatever else the provider sends', () => {
    const payload = readPayload(MailgunWebhookDto, {
      signature,
      'event-data': { event: 'opened', recipient: 'ann@example.com', 'user-variables': { constructor: 'x', plan: 'pro' } },
      constructor: { prototype: 'x' },
      extra: [1, 2],
    });
    expect(JSON.parse(JSON.stringify(payload))).toEqual({
      signature,
      'event-data': { event: 'opened', recipient: 'ann@example.com', 'user-variables': {} },
    });
  });

  it('answers 400 naming each bad field by its path', () => {
    const body = { signature: { ...signature, token: 7 }, 'event-data': { event: 'complained', recipient: 'nobody' } };
    const refusal = captureError(() => readPayload(MailgunWebhookDto, body));
    expect(refusal).toBeInstanceOf(BadRequestException);
    expect((refusal as BadRequestException).getResponse()).toMatchObject({
      message: ['signature.token must be a string', 'event-data.recipient must be one email address of at most 254 characters'],
    });
  });

  it.each([null, [], 'text', 5])('answers 400 for a body that is not an object (%j)', (body) => {
    expect(() => readPayload(MailgunWebhookDto, body)).toThrow(BadRequestException);
  });
});

describe('shortDetail', () => {
  it('keeps a detail that fits', () => {
    expect(shortDetail('550 5.1.1 no such user')).toBe('550 5.1.1 no such user');
    expect(shortDetail(undefined)).toBeUndefined();
  });

  it('cuts a long one to the limit, marking the cut', () => {
    const cut = shortDetail('x'.repeat(MAX_DETAIL_LENGTH + 1));
    expect(cut).toHaveLength(MAX_DETAIL_LENGTH);
    expect(cut?.endsWith('…')).toBe(true);
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
