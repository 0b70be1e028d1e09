import { getQueueToken } from '@nestjs/bull';
import { BeforeApplicationShutdown, FactoryProvider, Logger, OnModuleInit } from '@nestjs/common';
import type { AdvancedSettings, Queue } from 'bull';
import { AppConfig } from '../config/app-config';
import { MetricsRegistry } from '../metrics/metrics.registry';
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
 * Owns a queue in every process that registers it, whether it only adds jobs or also works them: shows
 * its counts in mailroute_queue_jobs, logs its errors (an 'error' event without a listener would be thrown, with
 * ioredis' command, a password for AUTH, attached), and closes the queue before shutdown, letting running
 * jobs finish. @nestjs/bull's own shutdown hook would close it a second time, after the connections are
 * gone, so it is turned off.
 */
class QueueLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger: Logger;

  constructor(
    private readonly queue: Queue,
    private readonly shutdownTimeoutMs: number,
    metrics: MetricsRegistry,
  ) {
    this.logger = new Logger(`${queue.name} queue`);
    metrics.watchQueue(queue);
  }

  onModuleInit(): void {
    Object.assign(this.queue, { onApplicationShutdown: async () => undefined });
    this.queue.on('error', (error) => this.logger.warn(error.message));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await closeQueue(this.queue, this.shutdownTimeoutMs, this.logger);
  }
}

/** The lifecycle of the queue registered as `name`, for the module that registers it. */
export function queueLifecycle(name: string): FactoryProvider<QueueLifecycle> {
  return {
    provide: Symbol(`${name} queue lifecycle`),
    inject: [getQueueToken(name), AppConfig, MetricsRegistry],
    useFactory: (queue: Queue, config: AppConfig, metrics: MetricsRegistry) =>
      new QueueLifecycle(queue, config.shutdownTimeoutMs, metrics),
  };
}

/**
 * Lets running jobs finish, up to `timeoutMs`, then drops the connections; a job cut off is picked up
 * again as stalled by another worker. While Redis is unreachable there is nothing to wait for (no job
 * could store its result), and Bull's waiting path would force a reconnect whose failure nothing
 * handles, so the queue is closed without waiting.
 */
async function closeQueue(queue: Queue, timeoutMs: number, logger: Logger): Promise<void> {
  const redisUnreachable = queue.client.status !== 'ready';
  await withTimeout(queue.close(redisUnreachable), timeoutMs, `closing the ${queue.name} queue`).catch(
    (error: Error) => logger.warn(error.message),
  );
  queue.clients.forEach((client) => client.disconnect());
}
