/** What readiness waits for beyond Redis and a running process, as the process's composition says. */
export abstract class Readiness {
  /**
   * A process that sends (a worker) is ready only while a provider can send; one that only accepts stays
   * ready through a provider outage, since it can still store messages.
   */
  abstract readonly readyNeedsProvider: boolean;
}
