import { BullModule, getQueueToken } from '@nestjs/bull';
import { BeforeApplicationShutdown, DynamicModule, FactoryProvider, Logger, OnModuleInit } from '@nestjs/common';
import type { AdvancedSettings, Queue } from 'bull';
import { TimeoutPolicy, TimeoutStrategy, timeout } from 'cockatiel';
import { AppConfig } from '../config/config.module';
import { MetricsRegistry } from '../metrics/metrics.module';

/** How a queue retries and how long it keeps failed jobs: what differs between mailroute's queues. */
export interface QueuePolicy {
  /**
   * The name of the backoff strategy. Bull stores it in every job's options, so a job queued before an
   * upgrade still names it: it must never change.
   */
  backoff: string;
  /** The wait before a failed job runs again. */
  retryDelay(attemptsMade: number, error: Error, config: AppConfig): number;
  /** Bull's own cap on a job's runs: it only bounds a job that keeps failing fast. */
  attemptsCap: number;
  /** How long a failed job stays for the dashboard (Bull keys carry no expiry); at most the last 1,000. */
  keepFailedSeconds(config: AppConfig): number;
}

/**
 * A job whose worker stopped renewing its lock (the process died mid-job) goes back to the queue after
 * `lockMs`, for another worker. One that did so `maxStalledCount` times is failed rather than looping:
 * something in it keeps killing workers.
 */
export function stalledJobSettings(lockMs: number): AdvancedSettings {
  return { lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 5 };
}

/** Registers the queue `name` with `policy`, its stalled jobs handled as stalledJobSettings says. */
export function registerQueue(name: string, policy: QueuePolicy): DynamicModule {
  return BullModule.registerQueueAsync({
    name,
    inject: [AppConfig],
    useFactory: (config: AppConfig) => ({
      settings: {
        ...stalledJobSettings(config.mail.jobLockMs),
        backoffStrategies: {
          [policy.backoff]: (attemptsMade: number, error: Error) => policy.retryDelay(attemptsMade, error, config),
        },
      },
      defaultJobOptions: {
        attempts: policy.attemptsCap,
        backoff: { type: policy.backoff },
        removeOnComplete: true,
        removeOnFail: { count: 1000, age: policy.keepFailedSeconds(config) },
      },
    }),
  });
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
  private readonly closeTimeout: TimeoutPolicy;

  constructor(
    private readonly queue: Queue,
    shutdownTimeoutMs: number,
    metrics: MetricsRegistry,
  ) {
    this.logger = new Logger(`${queue.name} queue`);
    this.closeTimeout = timeout(shutdownTimeoutMs, TimeoutStrategy.Aggressive);
    metrics.watchQueue(queue);
  }

  onModuleInit(): void {
    Object.assign(this.queue, { onApplicationShutdown: async () => undefined });
    this.queue.on('error', (error) => this.logger.warn(error.message));
  }

  /**
   * Lets running jobs finish, up to SHUTDOWN_TIMEOUT_MS, then drops the connections; a job cut off is
   * picked up again as stalled by another worker. While Redis is unreachable there is nothing to wait for
   * (no job could store its result), and Bull's waiting path would force a reconnect whose failure nothing
   * handles, so the queue is closed without waiting.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const redisUnreachable = this.queue.client.status !== 'ready';
    await this.closeTimeout
      .execute(() => this.queue.close(redisUnreachable))
      .catch((error: Error) => this.logger.warn(`closing: ${error.message}`));
    this.queue.clients.forEach((client) => client.disconnect());
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
