import { ProviderScoreStore } from '../provider-score.store';
import { RoutingStrategy } from './routing-strategy';

/** The provider with the best health score first; equal scores keep MAIL_PROVIDERS order. */
export class ScoreStrategy extends RoutingStrategy {
  constructor(private readonly scores: Pick<ProviderScoreStore, 'current'>) {
    super();
  }

  async order(names: readonly string[]): Promise<string[]> {
    const scores = await this.scores.current(names);
    return names
      .map((name, priority) => ({ name, priority, score: scores[name] }))
      .sort((a, b) => b.score - a.score || a.priority - b.priority)
      .map(({ name }) => name);
  }
}
