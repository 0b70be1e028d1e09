import Queue from 'bull';
import Redis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RedisServerProcess } from '../src/redis/redis-server.process';
import { newApiKey } from '../test/support/api-keys';
import { ThrowawayPostgres } from '../test/support/postgres';
import { ProductionBuild } from '../test/support/production-build';
import { ServiceProcess } from '../test/support/service-process';
import { FakeSendGridProcess } from './fake-sendgrid.process';

/** mailroute's Bull prefix and queue name (app.module.ts, mail.queue.ts). */
const MAIL_QUEUE = { name: 'mail', prefix: 'mailroute' };
/** The store's set of messages not yet final (message.keys.ts): what is accepted and not yet sent. */
const IN_FLIGHT = 'mailroute:inflight';
const BATCH = 500;
const BATCHES_IN_FLIGHT = 4;
/** One client per batch in flight, each with its own key, as separate callers post: each stays under API_RATE_LIMIT. */
const POSTERS = Array.from({ length: BATCHES_IN_FLIGHT }, (_, n) => newApiKey(`bench-poster-${n}`, 'send'));

/** One message of a POST /v1/emails/batch body, as a bench makes it. */
export type BenchEmail = Record<string, unknown>;

/** Additions to the api process: further API_KEYS entries. */
export interface RigApiOptions {
  keys?: string[];
}

const benchEmail: BenchEmail = { from: 'bench@example.com', to: 'someone@example.net', subject: 'Benchmark', text: 'Hello from the bench.' };

/**
 * The processes a delivery benchmark runs against, as in production: Redis with AOF and PostgreSQL with
 * fsync (as the embedded defaults run them; one database that every process shares), the production bundle (`nest build` into a temporary directory, so the work tree's
 * dist/ is neither used stale nor overwritten) as one api process, worker processes started per
 * measurement, and the fake SendGrid in a process of its own answering every send after `delayMs`.
 * Messages are loaded while the mail queue is paused and released once every worker is up, so a
 * measurement starts with all workers ready and the whole backlog waiting.
 */
export class DeliveryRig {
  /** Messages accepted since the last clear(). */
  private accepted = 0;

  private constructor(
    private readonly dataDir: string,
    private readonly entry: string,
    /** Removed at stop; absent when the rig runs a bundle it was given. */
    private readonly build: ProductionBuild | undefined,
    private readonly redisServer: RedisServerProcess,
    private readonly postgres: ThrowawayPostgres,
    /** The database every process of the rig shares. */
    readonly databaseUrl: string,
    readonly fake: FakeSendGridProcess,
    readonly api: ServiceProcess,
    /** The bench's own connection, for counts and FLUSHALL. */
    readonly redis: Redis,
    private readonly mailQueue: Queue.Queue,
  ) {}

  /** `entry`: a bundle already built (e.g. dist/main.js after `npm run build`) instead of a fresh build. */
  static async start(delayMs: number, entry?: string, apiOptions: RigApiOptions = {}): Promise<DeliveryRig> {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailroute-delivery-bench-'));
    const [build, redisServer, postgres, fake] = await Promise.all([
      entry ? undefined : ProductionBuild.build(),
      RedisServerProcess.start({ dataDir, appendOnly: true }),
      ThrowawayPostgres.start({ fsync: true }),
      FakeSendGridProcess.start(delayMs),
    ]);
    const bundle = entry ? resolve(entry) : build!.entry;
    const databaseUrl = await postgres.createDatabase();
    const api = await ServiceProcess.start(
      {
        ...serviceEnv(redisServer.url, databaseUrl, fake, dataDir),
        MAIL_ROLE: 'api',
        API_KEYS: [...POSTERS.map(({ entry }) => entry), ...(apiOptions.keys ?? [])].join(','),
      },
      { entry: bundle },
    );
    const redis = new Redis(redisServer.url);
    const mailQueue = new Queue(MAIL_QUEUE.name, redisServer.url, { prefix: MAIL_QUEUE.prefix });
    return new DeliveryRig(dataDir, bundle, build, redisServer, postgres, databaseUrl, fake, api, redis, mailQueue);
  }

  get redisUrl(): string {
    return this.redisServer.url;
  }

  /** Empties Redis (between measurements, with no worker running) and pauses the mail queue. */
  async clear(): Promise<void> {
    await this.redis.flushall();
    this.accepted = 0;
    await this.pause();
  }

  /** Holds the mail queue: workers take no new message until release(). */
  async pause(): Promise<void> {
    await this.mailQueue.pause();
  }

  /** Resumes the mail queue: the workers start on the backlog. */
  async release(): Promise<void> {
    await this.mailQueue.resume();
  }

  /** Messages accepted and not yet taken by a worker: their jobs wait (in the paused queue, or not). */
  async queuedCount(): Promise<number> {
    const counts = (await this.mailQueue.getJobCounts()) as Queue.JobCounts & { paused?: number };
    return counts.waiting + (counts.paused ?? 0);
  }

  /**
   * Messages the store says are final since the last clear(): the fake provider accepts every send, so
   * each is sent.
   */
  async sentCount(): Promise<number> {
    return this.accepted - (await this.redis.zcard(IN_FLIGHT));
  }

  /** Jobs of the mail queue not finished yet (a message is sent a moment before its job completes). */
  async unfinishedJobs(): Promise<number> {
    const counts = (await this.mailQueue.getJobCounts()) as Queue.JobCounts & { paused?: number };
    return counts.waiting + counts.active + (counts.paused ?? 0);
  }

  /**
   * Accepts `count` messages through POST /v1/emails/batch, as clients would; they wait in the paused queue.
   * `email(n)` makes the n-th message, the rig's small one by default.
   */
  async loadThroughApi(count: number, email: (n: number) => BenchEmail = () => benchEmail): Promise<void> {
    const expected = (await this.queuedCount()) + count;
    let next = 0;
    const poster = async (authorization: string) => {
      while (next < count) {
        const first = next;
        const size = Math.min(BATCH, count - next);
        next += size;
        const response = await fetch(`${this.api.url}/v1/emails/batch`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: authorization },
          body: JSON.stringify(Array.from({ length: size }, (_, n) => email(first + n))),
        });
        if (response.status !== 202) throw new Error(`batch answered ${response.status}: ${await response.text()}`);
      }
    };
    await Promise.all(POSTERS.map(({ bearer }) => poster(bearer)));
    const queued = await this.queuedCount();
    if (queued !== expected) throw new Error(`${queued} messages queued after accepting ${count}, expected ${expected}`);
    this.accepted += count;
  }

  /** Worker processes (MAIL_ROLE=worker) of the production bundle; `env` adds to or overrides the rig's. */
  startWorkers(count: number, concurrency: number, env: Record<string, string> = {}): Promise<ServiceProcess[]> {
    const workerEnv = {
      ...serviceEnv(this.redisServer.url, this.databaseUrl, this.fake, this.dataDir),
      MAIL_ROLE: 'worker',
      MAIL_CONCURRENCY: String(concurrency),
      ...env,
    };
    return Promise.all(Array.from({ length: count }, () => ServiceProcess.start(workerEnv, { entry: this.entry })));
  }

  async stop(): Promise<void> {
    await this.mailQueue.close();
    this.redis.disconnect();
    await this.api.stop();
    await Promise.all([this.redisServer.stop(), this.postgres.stop(), this.fake.close()]);
    this.build?.remove();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * What every mailroute process of the rig runs with: the fake as the only provider, logs at warn (one
 * line per send at info would measure the log pipe as much as the delivery), no API rate limit.
 */
function serviceEnv(redisUrl: string, databaseUrl: string, fake: FakeSendGridProcess, dataDir: string): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    MAIL_PROVIDERS: 'sendgrid',
    SENDGRID_API_KEY: fake.apiKey,
    SENDGRID_API_URL: fake.url,
    MAIL_OUTBOX_DIR: join(dataDir, 'outbox'),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  };
}
