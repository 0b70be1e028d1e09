import { ScriptedProvider } from '../../../test/support/scripted.provider';
import {
  OutgoingEmail,
  PermanentProviderError,
  TransientProviderError,
} from '../../providers/providers.module';
import { ProviderSkippedError, Route } from '../../routing/routing.module';
import { Attempt } from '../messages/messages.module';
import { deliverWithFailover } from './failover.policy';

const email: OutgoingEmail = {
  id: 'a5f1c2d4-0000-4000-8000-000000000001',
  from: { email: 'app@example.com' },
  to: [{ email: 'ann@example.com' }],
  cc: [],
  bcc: [],
  subject: 'Hi',
  text: 'Hello',
  headers: {},
  tags: [],
  metadata: {},
  attachments: [],
};

const accepting = (name: string) => new ScriptedProvider(name, ['accept']);
const failing = (name: string, error: Error) => new ScriptedProvider(name, [error]);

/** `recorded`: the attempts reported as they happened; `attempts`: those and the accepting one. */
async function run(providers: Route[], round = 1) {
  const recorded: Attempt[] = [];
  const outcome = await deliverWithFailover(email, providers, round, async (attempt) => {
    recorded.push(attempt);
  });
  const attempts = outcome.kind === 'sent' ? [...recorded, outcome.attempt] : recorded;
  return { outcome, recorded, attempts };
}

describe('deliverWithFailover', () => {
  it('sends through the first provider and tries no other', async () => {
    const [first, second] = [accepting('first'), accepting('second')];
    const { outcome, recorded } = await run([first, second], 2);
    expect(outcome).toEqual({
      kind: 'sent',
      provider: 'first',
      attempt: {
        provider: 'first',
        round: 2,
        startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        durationMs: expect.any(Number),
        outcome: 'sent',
        providerMessageId: 'first-id-1',
      },
    });
    expect(second.calls).toBe(0);
    expect(recorded).toEqual([]);
  });

  it('moves down the priority order past transient errors', async () => {
    const providers = [
      failing('a', new TransientProviderError('a: 503')),
      failing('b', new TransientProviderError('b: timeout')),
      accepting('c'),
    ];
    const { outcome, recorded, attempts } = await run(providers);
    expect(outcome).toMatchObject({ kind: 'sent', provider: 'c', attempt: { providerMessageId: 'c-id-1' } });
    expect(recorded.map((a) => a.provider)).toEqual(['a', 'b']);
    expect(attempts.map((a) => [a.provider, a.outcome, a.error])).toEqual([
      ['a', 'failed', { type: 'transient', message: 'a: 503' }],
      ['b', 'failed', { type: 'transient', message: 'b: timeout' }],
      ['c', 'sent', undefined],
    ]);
  });

  it('stops at a permanent error: the message itself is bad', async () => {
    const next = accepting('next');
    const { outcome, attempts } = await run([failing('a', new PermanentProviderError('400: bad address')), next]);
    expect(outcome).toEqual({ kind: 'rejected', provider: 'a', error: { type: 'permanent', message: '400: bad address' } });
    expect(next.calls).toBe(0);
    expect(attempts).toHaveLength(1);
  });

  it('reports exhaustion with the last error when every provider fails transiently', async () => {
    const { outcome, attempts } = await run([
      failing('a', new TransientProviderError('a: 503')),
      failing('b', new TransientProviderError('b: 429')),
    ]);
    expect(outcome).toEqual({
      kind: 'exhausted',
      error: { type: 'transient', message: 'b: 429' },
      tried: 2,
      lastProvider: 'b',
    });
    expect(attempts).toHaveLength(2);
  });

  it('treats an unclassified error as transient so the message is retried, not lost', async () => {
    const { outcome } = await run([failing('a', new Error('socket hang up')), accepting('b')]);
    expect(outcome).toMatchObject({ kind: 'sent', provider: 'b' });
  });

  it('does not mistake a failure to record the attempt for a provider failure', async () => {
    const second = accepting('second');
    const broken = deliverWithFailover(email, [failing('first', new TransientProviderError('503')), second], 1, async () => {
      throw new Error('redis down');
    });
    await expect(broken).rejects.toThrow('redis down');
    expect(second.calls).toBe(0);
  });
});

describe('deliverWithFailover with skipped routes', () => {
  const skipping = (name: string): Route => ({
    name,
    send: async () => Promise.reject(new ProviderSkippedError(name, 'circuit open')),
  });

  it('records no attempt for a route skipped without a call, and moves on', async () => {
    const { outcome, attempts } = await run([skipping('a'), accepting('b')]);
    expect(outcome).toMatchObject({ kind: 'sent', provider: 'b' });
    expect(attempts.map((a) => a.provider)).toEqual(['b']);
  });

  it('says why nothing was tried when every route was skipped', async () => {
    const { outcome, attempts } = await run([skipping('a'), skipping('b')]);
    expect(outcome).toEqual({
      kind: 'exhausted',
      tried: 0,
      error: { type: 'transient', message: 'no provider could be tried: a skipped: circuit open; b skipped: circuit open' },
    });
    expect(attempts).toEqual([]);
  });

  it('passes on the soonest time a skipped provider will take calls again', async () => {
    const waiting = (name: string, retryInMs: number): Route => ({
      name,
      send: async () => Promise.reject(new ProviderSkippedError(name, 'rate limit of 5/s reached', retryInMs)),
    });
    const { outcome } = await run([waiting('a', 800), skipping('b'), waiting('c', 300)]);
    expect(outcome).toMatchObject({ kind: 'exhausted', tried: 0, waitMs: 300 });
  });

  it('says so when there is no route at all', async () => {
    const { outcome } = await run([]);
    expect(outcome).toMatchObject({ tried: 0, error: { message: 'no provider could be tried: every provider is disabled' } });
  });
});
