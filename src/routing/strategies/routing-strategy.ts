/**
 * Puts the usable providers (given in MAIL_PROVIDERS order) in the order one message tries them.
 * An abstract class so that it can be the DI token for whichever strategy MAIL_ROUTING picks.
 */
export abstract class RoutingStrategy {
  abstract order(names: readonly string[]): Promise<string[]>;
}
