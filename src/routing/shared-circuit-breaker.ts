import { BrokenCircuitError, CircuitBreakerPolicy, CircuitState, circuitBreaker, handleWhen } from 'cockatiel';
import type { Redis, Result } from 'ioredis';
import { tickBatched } from '../common/tick-batched';
import { TransientProviderError } from '../providers/providers.module';
import { BreakerRules, breakerFor } from './either.breaker';
import { ProviderSkippedError } from './route';

export interface BreakerSettings extends BreakerRules {
  /** How long the circuit stays open before one trial call may test the provider again. */
  cooldownMs: number;
  /** Longest a trial call can take; bounds how long other workers wait on a trial that died. */
  trialTimeoutMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

const MAX_SAVE_TRIES = 5;

/** Writes the new state only if nobody changed it since it was read (optimistic concurrency). */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mailrouteCompareAndSet(key: string, expected: string, next: string): Result<0 | 1, Context>;
  }
}

/**
 * A per-provider circuit breaker whose state every worker shares. cockatiel runs the state machine
 * (consecutive failures or a failure rate open it, a cool-down leads to a half-open trial, the trial
 * closes or reopens it); its serialised state lives in Redis. Each call hydrates the breaker from Redis, runs through it,
 * and writes the new state back with compare-and-set, replaying the outcome on the fresher state when
 * another worker wrote first. A trial is taken by one worker at a time through a Redis lock.
 */
export class SharedCircuitBreaker {
  private readonly stateKey: string;
  private readonly trialKey: string;
  /** Every call reads the state: the calls that start in the same tick read it once. */
  private readonly readState: (key: string) => Promise<string | null>;

  constructor(
    private readonly redis: Redis,
    private readonly provider: string,
    private readonly settings: BreakerSettings,
  ) {
    // Kept without expiry: one small value per provider, rewritten in place, and an open circuit that
    // expired would close and send traffic to a provider that is down.
    this.stateKey = `mailroute:breaker:${provider}`;
    this.trialKey = `mailroute:breaker:${provider}:trial`;
    redis.defineCommand('mailrouteCompareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET });
    this.readState = tickBatched((key) => redis.get(key));
  }

  /** Runs `call` through the breaker; throws ProviderSkippedError without calling while the circuit is open. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const stored = (await this.readState(this.stateKey)) ?? '';
    const policy = this.hydrate(stored);
    // cockatiel calls through an open breaker only once its cool-down is over, and then as the trial.
    const callIsTrial = policy.state !== CircuitState.Closed;
    let trial = false;
    let outcome: Outcome<T>;
    try {
      const value = await policy.execute(async () => {
        if (callIsTrial) trial = await this.takeTrial();
        return call();
      });
      outcome = { ok: true, value };
    } catch (error) {
      if (error instanceof ProviderSkippedError) throw error;
      if (error instanceof BrokenCircuitError) throw new ProviderSkippedError(this.provider, 'circuit open');
      outcome = { ok: false, error };
    }
    await this.save(stored, policy, outcome);
    if (trial) await this.redis.del(this.trialKey);
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  async state(): Promise<BreakerState> {
    const policy = this.hydrate((await this.redis.get(this.stateKey)) ?? '');
    if (policy.state === CircuitState.Closed) return 'closed';
    return (await this.redis.exists(this.trialKey)) ? 'half-open' : 'open';
  }

  private async takeTrial(): Promise<boolean> {
    const taken = await this.redis.set(this.trialKey, '1', 'PX', this.settings.trialTimeoutMs, 'NX');
    if (!taken) throw new ProviderSkippedError(this.provider, 'a trial call is running on another worker');
    return true;
  }

  private async save<T>(stored: string, policy: CircuitBreakerPolicy, outcome: Outcome<T>): Promise<void> {
    let expected = stored;
    let next = JSON.stringify(policy.toJSON());
    for (let tries = 0; tries < MAX_SAVE_TRIES && next !== expected; tries += 1) {
      if (await this.redis.mailrouteCompareAndSet(this.stateKey, expected, next)) return;
      expected = (await this.redis.get(this.stateKey)) ?? '';
      const fresher = this.hydrate(expected);
      await replay(fresher, outcome);
      next = JSON.stringify(fresher.toJSON());
    }
  }

  private hydrate(stored: string): CircuitBreakerPolicy {
    return circuitBreaker(
      handleWhen((error) => error instanceof TransientProviderError),
      {
        halfOpenAfter: this.settings.cooldownMs,
        breaker: breakerFor(this.settings),
        initialState: stored ? JSON.parse(stored) : undefined,
      },
    );
  }
}

/** Applies an outcome already observed to a breaker, as if the call had just run through it. */
async function replay<T>(policy: CircuitBreakerPolicy, outcome: Outcome<T>): Promise<void> {
  await policy
    .execute(async () => {
      if (!outcome.ok) throw outcome.error;
    })
    .catch(() => undefined);
}
