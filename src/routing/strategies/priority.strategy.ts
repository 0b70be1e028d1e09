import { RoutingStrategy } from './routing-strategy';

/** Always the first usable provider in MAIL_PROVIDERS order, then the next. */
export class PriorityStrategy extends RoutingStrategy {
  async order(names: readonly string[]): Promise<string[]> {
    return [...names];
  }
}
