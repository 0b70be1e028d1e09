import type { Logger } from '@nestjs/common';
import type { AdvancedSettings, Queue } from 'bull';
import { withTimeout } from './with-timeout';

/**
 * A job whose worker stopped renewing its lock (the process died mid-job) goes back to the queue after
 * `lockMs`, for another worker. One that did so `maxStalledCount` times is failed rather than looping:
 * something in it keeps killing workers.
 */
export function stalledJobSettings(lockMs: number): AdvancedSettings {
  return { lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 5 };
}

/**
 * Makes the caller responsible for closing `queue` (with closeQueue, before application shutdown):
 * @nestjs/bull's own shutdown hook would close it a second time, after the connections are gone.
 */
export function takeOverShutdown(queue: Queue): void {
  Object.assign(queue, { onApplicationShutdown: async () => undefined });
}

/**
 * Lets running jobs finish, up to `timeoutMs`, then drops the connections; a job cut off is picked up
 * again as stalled by another worker. While Redis is unreachable there is nothing to wait for (no job
 * could store its result), and Bull's waiting path would force a reconnect whose failure nothing
 * handles, so the queue is closed without waiting.
 */
export async function closeQueue(queue: Queue, timeoutMs: number, logger: Logger): Promise<void> {
  const redisUnreachable = queue.client.status !== 'ready';
  await withTimeout(queue.close(redisUnreachable), timeoutMs, `closing the ${queue.name} queue`).catch(
    (error: Error) => logger.warn(error.message),
  );
  queue.clients.forEach((client) => client.disconnect());
}
