import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRedisServer } from '../test-redis-server';
import { FakeMailgun } from '../fake-mailgun.server';
import { FakeSendGrid } from '../fake-sendgrid.server';
import { fakeProvidersEnv } from '../fake-world';
import { testDatabase } from '../postgres';
import { ProductionBuild } from '../production-build';
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

export interface RedisOutage {
  signal: 'SIGTERM' | 'SIGKILL';
  /** When the signal was sent, when the process had exited, and when Redis answered again (ms). */
  signalledAt: number;
  goneAt: number;
  backAt: number;
}

/**
 * mailroute as it runs in production, each part its own OS process: one api process and two workers
 * (the `nest build` bundle, which starts in a second where ts-node takes several), one redis-server with
 * AOF (`appendfsync everysec`, as the embedded default), a database of its own on the PostgreSQL server
 * the test run shares (the history that all its processes write and read), and the fake SendGrid
 * (primary) and Mailgun (secondary). Workers can be killed and replaced, and Redis stopped or killed and
 * started again on the same port with the same data, so the services' REDIS_URL never changes. stop()
 * ends everything that was started, whatever state the run left it in.
 */
export class ChaosCluster {
  sendgrid!: FakeSendGrid;
  mailgun!: FakeMailgun;
  api!: ServiceProcess;
  /** The database every process of the cluster keeps the history in. */
  databaseUrl!: string;
  /** Every time Redis was stopped or killed, and when it was back. */
  readonly redisOutages: RedisOutage[] = [];
  private readonly workers: ServiceProcess[] = [];
  /** Every service process ever started, killed ones included, so stop() misses none. */
  private readonly services: ServiceProcess[] = [];
  private build?: ProductionBuild;
  private redis?: TestRedisServer;
  private redisPort = 0;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'mailroute-chaos-'));
  /** The process change under way; the next one starts after it (see exclusively()). */
  private changing: Promise<unknown> = Promise.resolve();
  private stopping = false;

  async start(): Promise<void> {
    // Each part is kept as soon as it is up, so that stop() ends it even if another part failed to start.
    await Promise.all([
      ProductionBuild.build().then((build) => (this.build = build)),
      FakeSendGrid.start().then((fake) => (this.sendgrid = fake)),
      FakeMailgun.start().then((fake) => (this.mailgun = fake)),
      testDatabase().then((url) => (this.databaseUrl = url)),
    ]);
    this.redisPort = await portOutsideEphemeralRange();
    await this.startRedis();
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

  async stop(): Promise<void> {
    this.stopping = true;
    await this.changing;
    await Promise.allSettled(this.services.map((service) => service.stop()));
    await this.redis?.stop().catch(() => undefined);
    await Promise.allSettled([this.sendgrid?.close(), this.mailgun?.close()]);
    this.build?.remove();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /**
   * Process changes happen one at a time, whoever asks: a worker cannot start while Redis is down (it
   * refuses to start without Redis), and Redis must not go down under a worker that is starting.
   */
  private exclusively<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changing.then(change);
    this.changing = next.catch(() => undefined);
    return next;
  }

  private async startRedis(): Promise<void> {
    this.redis = await TestRedisServer.start({ dataDir: this.dataDir, appendOnly: true, port: this.redisPort });
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
 * A free port that no outgoing connection will take while Redis is down: the clients reconnecting to it
 * meanwhile would otherwise, now and then, be given that very port as their own (even connect to
 * themselves), and the restarted Redis could not bind it.
 */
async function portOutsideEphemeralRange(): Promise<number> {
  for (;;) {
    const port = STABLE_PORTS.from + Math.floor(Math.random() * (STABLE_PORTS.to - STABLE_PORTS.from));
    const server = createServer().listen(port, '127.0.0.1');
    const bound = await Promise.race([once(server, 'listening').then(() => true), once(server, 'error').then(() => false)]);
    if (!bound) continue;
    server.close();
    await once(server, 'close');
    return port;
  }
}
