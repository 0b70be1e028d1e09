import { RoutingStrategy } from './routing-strategy';

/**
 * Spreads first tries by weight (e.g. sendgrid:3,mailgun:1 sends three in four messages to SendGrid
 * first); the rest follow as fallbacks. Each message draws a weighted random order (Efraimidis–Spirakis:
 * sort by random^(1/weight)), so a provider with weight w is first with probability w / Σ weights.
 * A weight of 0 makes a provider a fallback only.
 */
export class WeightedStrategy extends RoutingStrategy {
  constructor(
    private readonly weights: Record<string, number>,
    private readonly random: () => number = Math.random,
  ) {
    super();
  }

  async order(names: readonly string[]): Promise<string[]> {
    const keyed = names.map((name, priority) => {
      const weight = this.weights[name] ?? 1;
      return { name, priority, key: weight > 0 ? this.random() ** (1 / weight) : -1 };
    });
    return keyed.sort((a, b) => b.key - a.key || a.priority - b.priority).map(({ name }) => name);
  }
}
