import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { FINISHED_KEY } from '../../../src/mail/messages/message.keys';
import { TestPostgresServer } from '../test-postgres-server';
import { TestRedisServer } from '../test-redis-server';
import { FakeMailgun } from '../fake-mailgun.server';
import { FakeSendGrid } from '../fake-sendgrid.server';
import { fakeProvidersEnv } from '../fake-world';
import { ProductionBuild } from '../production-build';
import { watchSecret } from '../secret-watch';
import { ServiceProcess } from '../service-process';
import { CHAOS_API_KEYS } from './chaos-keys';

/** The delivery settings the cluster runs with; the duplicate bound is derived from them. */
export const DELIVERY = {
  workers: 2,
  /** MAIL_CONCURRENCY: the most sends one worker has in flight when it is killed. */
  concurrency: 10,
  /** MAIL_JOB_LOCK_MS: a killed worker's jobs go to the other worker after about this long. */
  jobLockMs: 5_000,
  /** MAIL_SEND_TIMEOUT_MS: what a hung provider costs a send. */
  sendTimeoutMs: 1_000,
} as const;

export interface ServerOutage<Signal extends NodeJS.Signals> {
  signal: Signal;
  /** When the signal was sent, when the server had exited, and when it answered again (ms). */
  signalledAt: number;
  goneAt: number;
  backAt: number;
}

/** SIGTERM: Redis flushes and syncs its AOF, then exits. SIGKILL: a crash of the process. */
export type RedisOutage = ServerOutage<'SIGTERM' | 'SIGKILL'>;
/** SIGINT: PostgreSQL's fast shutdown (a checkpoint, then exit). SIGKILL: every server process killed, no checkpoint. */
export interface PostgresOutage extends ServerOutage<'SIGINT' | 'SIGKILL'> {
  /** Final messages in Redis just before PostgreSQL started again: what the outage held back. */
  finalWaiting: number;
}

/**
 * mailroute as it runs in production, each part its own OS process: one api process and two workers
 * (the `nest build` bundle, which starts in a second where ts-node takes several), one redis-server with
 * AOF (`appendfsync everysec`, as the embedded default), a PostgreSQL server of its own with fsync on
 * (the history that all its processes write and read; not the server the test run shares, so that its
 * faults hit this cluster only), and the fake SendGrid (primary) and Mailgun (secondary). Workers can be
 * killed and replaced, and Redis and PostgreSQL stopped or killed and started again on the same port
 * with the same data, so the services' REDIS_URL and DATABASE_URL never change. stop() ends everything
 * that was started, whatever state the run left it in.
 */
export class ChaosCluster {
  sendgrid!: FakeSendGrid;
  mailgun!: FakeMailgun;
  api!: ServiceProcess;
  /** The database every process of the cluster keeps the history in. */
  databaseUrl!: string;
  /** Every time Redis was stopped or killed, and when it was back. */
  readonly redisOutages: RedisOutage[] = [];
  /** Every time PostgreSQL was stopped or killed, and when it was back. */
  readonly postgresOutages: PostgresOutage[] = [];
  private readonly workers: ServiceProcess[] = [];
  /** Every service process ever started, killed ones included, so stop() misses none. */
  private readonly services: ServiceProcess[] = [];
  private build?: ProductionBuild;
  private redis?: TestRedisServer;
  private redisPort = 0;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'mailroute-chaos-'));
  private postgres?: TestPostgresServer;
  private postgresPort = 0;
  // Apart from dataDir: the server's account (postgres, when tests run as root) owns it.
  private readonly postgresDataDir = mkdtempSync(join(tmpdir(), 'mailroute-chaos-postgres-'));
  /** The process change under way; the next one starts after it (see exclusively()). */
  private changing: Promise<unknown> = Promise.resolve();
  private stopping = false;

  async start(): Promise<void> {
    this.redisPort = await portOutsideEphemeralRange();
    this.postgresPort = await portOutsideEphemeralRange([this.redisPort]);
    // Each part is kept as soon as it is up, so that stop() ends it even if another part failed to start.
    await Promise.all([
      ProductionBuild.build().then((build) => (this.build = build)),
      FakeSendGrid.start().then((fake) => (this.sendgrid = fake)),
      FakeMailgun.start().then((fake) => (this.mailgun = fake)),
      this.startPostgres().then(() => (this.databaseUrl = this.postgres!.url)),
      this.startRedis(),
    ]);
    watchSecret(decodeURIComponent(new URL(this.databaseUrl).password));
    const [api, ...workers] = await Promise.all([
      this.startService('api'),
      ...Array.from({ length: DELIVERY.workers }, () => this.startService('worker')),
    ]);
    this.api = api;
    this.workers.push(...workers);
  }

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.redisPort}`;
  }

  /** SIGKILL, as when a node dies mid-send, then a fresh worker in its place. */
  replaceWorker(index: number): Promise<void> {
    return this.exclusively(async () => {
      await this.workers[index].kill();
      this.workers[index] = await this.startService('worker');
    });
  }

  /**
   * Stops Redis with `signal` and starts it again, on the same port and data, once `downUntil()`
   * resolves. SIGTERM is a clean restart: Redis flushes and syncs its AOF before it exits. SIGKILL is a
   * crash of the Redis process (not of the machine): no shutdown, no last fsync.
   */
  interruptRedis(signal: RedisOutage['signal'], downUntil: () => Promise<unknown>): Promise<void> {
    return this.exclusively(async () => {
      const signalledAt = Date.now();
      await (signal === 'SIGTERM' ? this.redis?.stop() : this.redis?.kill());
      const goneAt = Date.now();
      await downUntil();
      await this.startRedis();
      this.redisOutages.push({ signal, signalledAt, goneAt, backAt: Date.now() });
    });
  }

  /**
   * Stops PostgreSQL with `signal` and starts it again, on the same port and data, once `downUntil()`
   * resolves. SIGINT is its fast shutdown: open transactions roll back, a checkpoint is written. SIGKILL
   * goes to every server process, as in a crash: the restart replays the WAL.
   */
  interruptPostgres(signal: PostgresOutage['signal'], downUntil: () => Promise<unknown>): Promise<void> {
    return this.exclusively(async () => {
      const signalledAt = Date.now();
      await (signal === 'SIGINT' ? this.postgres?.stop() : this.postgres?.kill());
      const goneAt = Date.now();
      await downUntil();
      const finalWaiting = await this.finalMessagesInRedis();
      await this.startPostgres();
      this.postgresOutages.push({ signal, signalledAt, goneAt, backAt: Date.now(), finalWaiting });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.changing;
    await Promise.allSettled(this.services.map((service) => service.stop()));
    await Promise.allSettled([this.redis?.stop(), this.postgres?.stop()]);
    await Promise.allSettled([this.sendgrid?.close(), this.mailgun?.close()]);
    this.build?.remove();
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.postgresDataDir, { recursive: true, force: true });
  }

  /**
   * Process changes happen one at a time, whoever asks: a worker cannot start while Redis or PostgreSQL
   * is down (it refuses to start without Redis, and migrates the schema at start), and neither must go
   * down under a worker that is starting.
   */
  private exclusively<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changing.then(change);
    this.changing = next.catch(() => undefined);
    return next;
  }

  private async startRedis(): Promise<void> {
    this.redis = await TestRedisServer.start({ dataDir: this.dataDir, appendOnly: true, port: this.redisPort });
  }

  /**
   * A server of the cluster's own (rather than a ThrowawayPostgres, which takes any free port): on a port
   * outside the ephemeral range, for the reason Redis is (see portOutsideEphemeralRange). The first start
   * runs initdb into the empty directory; the next ones reuse its data.
   */
  private async startPostgres(): Promise<void> {
    this.postgres = await TestPostgresServer.start({ dataDir: this.postgresDataDir, fsync: true, port: this.postgresPort });
  }

  /** Redis is up here: changes of processes happen one at a time (see exclusively()). */
  private async finalMessagesInRedis(): Promise<number> {
    const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      return await redis.zcard(FINISHED_KEY);
    } finally {
      redis.disconnect();
    }
  }

  private async startService(role: 'api' | 'worker'): Promise<ServiceProcess> {
    if (this.stopping) throw new Error(`not starting a ${role}: the cluster is stopping`);
    const service = await ServiceProcess.start({ ...this.environment(), MAIL_ROLE: role }, { entry: this.build?.entry });
    this.services.push(service);
    return service;
  }

  private environment(): Record<string, string> {
    return {
      REDIS_URL: this.redisUrl,
      DATABASE_URL: this.databaseUrl,
      ...fakeProvidersEnv(this.sendgrid, this.mailgun),
      MAIL_CONCURRENCY: String(DELIVERY.concurrency),
      MAIL_JOB_LOCK_MS: String(DELIVERY.jobLockMs),
      MAIL_SEND_TIMEOUT_MS: String(DELIVERY.sendTimeoutMs),
      // Short backoffs and cool-downs, so that retries and circuit trials happen within the run.
      MAIL_RETRY_BASE_MS: '200',
      MAIL_BREAKER_COOLDOWN_MS: '2000',
      SHUTDOWN_TIMEOUT_MS: '5000',
      API_KEYS: CHAOS_API_KEYS,
      LOG_FORMAT: 'json',
      // Request lines would be most of the output; failed attempts and errors are warnings.
      LOG_LEVEL: 'warn',
    };
  }
}

/** Below Linux's default ephemeral range (32768-60999), which outgoing connections take their ports from. */
const STABLE_PORTS = { from: 20_000, to: 32_000 };

/**
 * A free port (none of `taken`) that no outgoing connection will take while the server on it is down:
 * the clients reconnecting to it meanwhile would otherwise, now and then, be given that very port as
 * their own (even connect to themselves), and the restarted server could not bind it.
 */
async function portOutsideEphemeralRange(taken: number[] = []): Promise<number> {
  for (;;) {
    const port = STABLE_PORTS.from + Math.floor(Math.random() * (STABLE_PORTS.to - STABLE_PORTS.from));
    if (taken.includes(port)) continue;
    const server = createServer().listen(port, '127.0.0.1');
    const bound = await Promise.race([once(server, 'listening').then(() => true), once(server, 'error').then(() => false)]);
    if (!bound) continue;
    server.close();
    await once(server, 'close');
    return port;
  }
}
