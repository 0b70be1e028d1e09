import { useThrowawayRedis } from '../../test/support/redis';
import { PermanentProviderError, TransientProviderError } from '../providers/providers.module';
import { ProviderSkippedError } from './route';
import { SharedCircuitBreaker } from './shared-circuit-breaker';

const settings = { threshold: 3, failureRate: 0, windowMs: 10_000, cooldownMs: 1000, trialTimeoutMs: 5000 };

describe('SharedCircuitBreaker', () => {
  const redis = useThrowawayRedis();
  let clock: number;
  let calls: number;

  beforeEach(() => {
    clock = 1_000_000;
    calls = 0;
    // cockatiel reads the time from Date.now(); this is the test's clock.
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
  });
  afterEach(() => jest.restoreAllMocks());

  /** A worker's breaker for provider "p"; several instances behave like several worker processes. */
  const worker = (overrides: Partial<typeof settings> = {}) =>
    new SharedCircuitBreaker(redis.client, 'p', { ...settings, ...overrides });
  const succeed = async () => {
    calls += 1;
    return 'ok';
  };
  const failTransiently = async (): Promise<string> => {
    calls += 1;
    throw new TransientProviderError('503');
  };
  const failures = async (breaker: SharedCircuitBreaker, count: number) => {
    for (let i = 0; i < count; i += 1) await expect(breaker.run(failTransiently)).rejects.toThrow('503');
  };

  it('passes calls through while closed', async () => {
    const breaker = worker();
    await expect(breaker.run(succeed)).resolves.toBe('ok');
    await failures(breaker, settings.threshold - 1);
    await expect(breaker.run(succeed)).resolves.toBe('ok');
    expect(await breaker.state()).toBe('closed');
  });

  it('opens after `threshold` consecutive transient failures and then skips without calling', async () => {
    const breaker = worker();
    await failures(breaker, settings.threshold);
    expect(await breaker.state()).toBe('open');

    calls = 0;
    await expect(breaker.run(succeed)).rejects.toBeInstanceOf(ProviderSkippedError);
    expect(calls).toBe(0);
  });

  it('does not count permanent errors: the provider answered', async () => {
    const breaker = worker();
    for (let i = 0; i < settings.threshold + 1; i += 1) {
      await expect(breaker.run(async () => Promise.reject(new PermanentProviderError('400')))).rejects.toThrow('400');
    }
    expect(await breaker.state()).toBe('closed');
  });

  it('after the cool-down lets one trial through: success closes it', async () => {
    const breaker = worker();
    await failures(breaker, settings.threshold);
    clock += settings.cooldownMs - 1;
    await expect(breaker.run(succeed)).rejects.toBeInstanceOf(ProviderSkippedError);

    clock += 1;
    await expect(breaker.run(succeed)).resolves.toBe('ok');
    expect(await breaker.state()).toBe('closed');
    await expect(breaker.run(succeed)).resolves.toBe('ok');
  });

  it('after the cool-down, a failed trial opens it again for another cool-down', async () => {
    const breaker = worker();
    await failures(breaker, settings.threshold);
    clock += settings.cooldownMs;
    await failures(breaker, 1);
    expect(await breaker.state()).toBe('open');
    calls = 0;
    await expect(breaker.run(succeed)).rejects.toBeInstanceOf(ProviderSkippedError);
    expect(calls).toBe(0);
  });

  it('is shared: failures seen by one worker make another skip without calling', async () => {
    await failures(worker(), settings.threshold);
    calls = 0;
    await expect(worker().run(succeed)).rejects.toBeInstanceOf(ProviderSkippedError);
    expect(calls).toBe(0);
  });

  it('counts failures from several workers together, even when they race', async () => {
    const workers = [worker(), worker(), worker()];
    await Promise.all(workers.map((breaker) => expect(breaker.run(failTransiently)).rejects.toThrow('503')));
    expect(await worker().state()).toBe('open');
  });

  it('with a failure rate, also opens on a high share of failures that are not consecutive', async () => {
    const breaker = worker({ threshold: 100, failureRate: 0.5 });
    for (let i = 0; i < 20; i += 1) {
      clock += 100;
      const call = i % 3 === 0 ? succeed : failTransiently;
      await breaker.run(call).catch(() => undefined);
    }
    expect(await breaker.state()).toBe('open');
  });

  it('with a failure rate, stays closed while most calls succeed', async () => {
    const breaker = worker({ threshold: 100, failureRate: 0.5 });
    for (let i = 0; i < 20; i += 1) {
      clock += 100;
      await breaker.run(i % 3 === 0 ? failTransiently : succeed).catch(() => undefined);
    }
    expect(await breaker.state()).toBe('closed');
  });

  it('lets only one worker run the trial; the others skip while it runs', async () => {
    await failures(worker(), settings.threshold);
    clock += settings.cooldownMs;
    let finishTrial!: () => void;
    const trial = worker().run(
      () =>
        new Promise<string>((resolve) => {
          finishTrial = () => resolve('trial ok');
        }),
    );
    await waitUntil(async () => (await redis.client.exists('mailroute:breaker:p:trial')) === 1);
    expect(await worker().state()).toBe('half-open');
    await expect(worker().run(succeed)).rejects.toThrow(/trial call is running on another worker/);

    finishTrial();
    await expect(trial).resolves.toBe('trial ok');
    await expect(worker().run(succeed)).resolves.toBe('ok');
  });
});

/** Date.now() is the test's frozen clock here, so the deadline counts polls instead. */
async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let polls = 0; !(await condition()); polls += 1) {
    if (polls > 1000) throw new Error('condition not met');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
