import { CircuitState, ConsecutiveBreaker, IBreaker, SamplingBreaker } from 'cockatiel';

export interface BreakerRules {
  /** Consecutive provider-level failures that open the circuit. */
  threshold: number;
  /** Share of failed calls (0..1) over `windowMs` that opens it too; 0 turns this rule off. */
  failureRate: number;
  windowMs: number;
}

/**
 * Opens when either of cockatiel's breakers would: N consecutive failures, or a failure rate over a
 * sliding window. Both see every call; their states are kept side by side, so the pair serialises
 * with the circuit like a single breaker.
 */
export class EitherBreaker implements IBreaker {
  constructor(private readonly breakers: IBreaker[]) {}

  get state(): unknown {
    return this.breakers.map((breaker) => breaker.state);
  }

  set state(value: unknown) {
    (value as unknown[]).forEach((state, index) => (this.breakers[index].state = state));
  }

  success(state: CircuitState): void {
    this.breakers.forEach((breaker) => breaker.success(state));
  }

  failure(state: CircuitState): boolean {
    return this.breakers.map((breaker) => breaker.failure(state)).some(Boolean);
  }
}

export function breakerFor(rules: BreakerRules): IBreaker {
  const consecutive = new ConsecutiveBreaker(rules.threshold);
  if (rules.failureRate <= 0) return consecutive;
  // minimumRps 1: a rate over a handful of calls is noise, not an outage.
  return new EitherBreaker([
    consecutive,
    new SamplingBreaker({ threshold: rules.failureRate, duration: rules.windowMs, minimumRps: 1 }),
  ]);
}
