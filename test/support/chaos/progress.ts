type Counter = 'issued' | 'failedRequests';

interface Waiter {
  counter: Counter;
  target: number;
  resolve: (reached: boolean) => void;
}

/**
 * What the clients have done so far, for faults that are due at a point of the traffic rather than at a
 * time: "kill a worker after 400 messages", "keep Redis down until the clients were refused 100 times".
 */
export class Progress {
  private readonly counts: Record<Counter, number> = { issued: 0, failedRequests: 0 };
  private waiters: Waiter[] = [];
  private ended: 'finished' | 'aborted' | undefined;

  /** `issued`: messages whose first request went out; `failedRequests`: requests that got no 202. */
  value(counter: Counter): number {
    return this.counts[counter];
  }

  get aborted(): boolean {
    return this.ended === 'aborted';
  }

  count(counter: Counter, by = 1): void {
    this.counts[counter] += by;
    this.settle((waiter) => waiter.counter === counter && this.counts[counter] >= waiter.target, true);
  }

  /**
   * Resolves true once `counter` reaches `target`, or once the traffic finished (a fault still due then
   * runs late rather than never); false if the run was aborted.
   */
  reach(counter: Counter, target: number): Promise<boolean> {
    if (this.ended) return Promise.resolve(this.ended === 'finished');
    if (this.counts[counter] >= target) return Promise.resolve(true);
    return new Promise((resolve) => this.waiters.push({ counter, target, resolve }));
  }

  /** The traffic is over: whatever is still waiting runs now. */
  finish(): void {
    this.ended ??= 'finished';
    this.settle(() => true, true);
  }

  /** Something failed: nothing further is started. */
  abort(): void {
    this.ended = 'aborted';
    this.settle(() => true, false);
  }

  private settle(due: (waiter: Waiter) => boolean, reached: boolean): void {
    const [ready, waiting] = partition(this.waiters, due);
    this.waiters = waiting;
    ready.forEach((waiter) => waiter.resolve(reached));
  }
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
