import { getQueueToken } from '@nestjs/bull';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import type { NextFunction, Request, Response } from 'express';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { AppModule, servesConsole, servesDocs } from '../../src/app.module';
import { configureApp, createHttpAdapter } from '../../src/http/app.setup';
import { AppConfig, loadConfig } from '../../src/config/config.module';
import { LogDestination } from '../../src/logging/logging.module';
import { Logger as PinoLogger } from 'nestjs-pino';
import { EMAIL_PROVIDERS, EmailProvider } from '../../src/providers/providers.module';
import { newApiKey } from './api-keys';
import { CapturingLogDestination } from './capturing-log.destination';
import { pollUntil } from './poll';
import { keepingToRateLimit } from './rate-limit';
import { testDatabaseFor } from './postgres';
import { ThrowawayRedis } from './redis';
import { recordOutput, watchSecret } from './secret-watch';

/** Every secret the configuration holds goes on the watch list of the secret scan. */
function watchConfiguredSecrets(config: AppConfig): void {
  const { sendgrid, mailgun, smtp } = config.providers;
  const { url: redisUrl, sentinel } = config.redis;
  const { url: databaseUrl } = config.database;
  [
    sendgrid?.apiKey,
    mailgun?.apiKey,
    smtp && new URL(smtp.url).password,
    redisUrl && decodeURIComponent(new URL(redisUrl).password),
    sentinel?.password,
    databaseUrl && decodeURIComponent(new URL(databaseUrl).password),
    config.webhooks?.secret,
    // The key itself, in the base64 a whsec_ secret carries it in (for a plain secret, the receiver's form).
    config.webhooks && Buffer.from(config.webhooks.signingKey).toString('base64'),
  ].forEach((secret) => secret && watchSecret(secret));
}

/** Records each response (status line, headers, body) for the secret scan. */
function captureResponses(request: Request, response: Response, next: NextFunction): void {
  const chunks: Buffer[] = [];
  const write = response.write.bind(response) as (...args: unknown[]) => boolean;
  const end = response.end.bind(response) as (...args: unknown[]) => Response;
  response.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (chunk) chunks.push(Buffer.from(chunk as string));
    return write(chunk, ...rest);
  }) as Response['write'];
  response.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as string));
    recordOutput(
      `response ${request.method} ${request.path}`,
      `${response.statusCode} ${JSON.stringify(response.getHeaders())} ${Buffer.concat(chunks).toString()}`,
    );
    return end(chunk, ...rest);
  }) as Response['end'];
  next();
}

export interface TestAppOptions {
  redisUrl: string;
  /**
   * The PostgreSQL database the app keeps its history in. By default, the database of its Redis on the
   * server the test run shares (testDatabaseFor): apps on one Redis share one database, as an API and
   * its workers do. `env.DATABASE_URL` (or `DATABASE_URL_FILE`) wins over both.
   */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** Adapters to put before the configured ones, in priority order. */
  extraProviders?: EmailProvider[];
  /**
   * Spreads `http`'s requests over this many admin API keys, in turn, as that many clients would: for a
   * benchmark that stands for many clients. Tests run as one client on the default API_RATE_LIMIT, and
   * keep to it where they send faster (keepingToRateLimit).
   */
  callers?: number;
}

/**
 * The real AppModule with configuration from `env` instead of the process environment, the same
 * HTTP pipeline as main.ts, and an outbox in a fresh temporary directory.
 */
export class TestApp {
  private turn = 0;

  private constructor(
    readonly app: NestExpressApplication,
    readonly outboxDir: string,
    private readonly callers: string[],
    /** Where the app keeps its history, for tests that look at it directly; undefined with DATABASE_URL_FILE. */
    readonly databaseUrl: string | undefined,
  ) {}

  static async start({ callers = 0, databaseUrl, ...options }: TestAppOptions): Promise<TestApp> {
    const database = await TestApp.databaseEnv(options, databaseUrl);
    const outboxDir = mkdtempSync(join(tmpdir(), 'mailroute-outbox-'));
    const keys = Array.from({ length: callers }, (_, n) => newApiKey(`caller-${n}`, 'admin'));
    const apiKeys = [options.env?.API_KEYS, ...keys.map(({ entry }) => entry)].filter(Boolean).join(',');
    const env: Record<string, string> = { ...database, ...options.env, ...(apiKeys ? { API_KEYS: apiKeys } : {}) };
    try {
      const app = await TestApp.createApp({ ...options, env }, outboxDir);
      return new TestApp(app, outboxDir, keys.map(({ bearer }) => bearer), env.DATABASE_URL || undefined);
    } catch (error) {
      rmSync(outboxDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** DATABASE_URL for the app, unless its `env` names a database itself. */
  private static async databaseEnv({ redisUrl, env = {} }: TestAppOptions, databaseUrl: string | undefined): Promise<Record<string, string>> {
    if (env.DATABASE_URL !== undefined || env.DATABASE_URL_FILE !== undefined) return {};
    return { DATABASE_URL: databaseUrl ?? (await testDatabaseFor(redisUrl)) };
  }

  private static async createApp(
    { redisUrl, env = {}, extraProviders = [] }: TestAppOptions,
    outboxDir: string,
  ): Promise<NestExpressApplication> {
    const config = loadConfig({
      REDIS_URL: redisUrl,
      MAIL_OUTBOX_DIR: outboxDir,
      MAIL_RETRY_BASE_MS: '20',
      SHUTDOWN_TIMEOUT_MS: '2000',
      LOG_FORMAT: 'json',
      ...env,
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(LogDestination)
      .useValue(new CapturingLogDestination())
      .overrideProvider(EmailProvider)
      .useFactory({
        inject: EMAIL_PROVIDERS.inject,
        factory: (...built: Parameters<typeof EMAIL_PROVIDERS.useFactory>) => [...extraProviders, ...EMAIL_PROVIDERS.useFactory(...built)],
      })
      .compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>(createHttpAdapter(), {
      bodyParser: false,
      bufferLogs: true,
    });
    app.useLogger(app.get(PinoLogger));
    app.use(captureResponses);
    configureApp(app, { docs: servesDocs(config), webConsole: servesConsole(config) });
    watchConfiguredSecrets(config);
    await app.init();
    return app;
  }

  /**
   * Serves the app on a free 127.0.0.1 port, for a client that speaks HTTP itself (fetch) rather than
   * through supertest, and answers its base URL. close() stops it.
   */
  async listen(): Promise<string> {
    await this.app.listen(0, '127.0.0.1');
    const { port } = this.app.getHttpServer().address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  get http() {
    if (this.callers.length === 0) return request(this.app.getHttpServer());
    return request.agent(this.app.getHttpServer()).set('Authorization', this.callers[this.turn++ % this.callers.length]);
  }

  /** One of the app's Bull queues, to look at its jobs. */
  queue(name: string): Queue {
    return this.app.get<Queue>(getQueueToken(name), { strict: false });
  }

  send(body: object) {
    return this.http.post('/v1/emails').send(body);
  }

  /**
   * Polls the API until the message reaches one of `statuses` (with `authorization` when keys are on),
   * keeping to the rate limit: several messages waited for at once poll faster than one client may.
   */
  async waitForStatus(id: string, statuses: string[], authorization?: string) {
    const response = await pollUntil(
      () => keepingToRateLimit(() => this.http.get(`/v1/emails/${id}`).set(authorization ? { Authorization: authorization } : {})),
      (res) => res.status === 200 && statuses.includes(res.body.status),
    );
    return response.body;
  }

  async close(): Promise<void> {
    await this.app.close();
    rmSync(this.outboxDir, { recursive: true, force: true });
  }
}

/**
 * For a describe block: starts a throwaway Redis and the app before its tests and stops both after.
 * Read `app` and `redis` inside tests and hooks, once they have started.
 */
export function useTestApp(options: Omit<TestAppOptions, 'redisUrl'> = {}): { app: TestApp; redis: ThrowawayRedis } {
  const running = {} as { app: TestApp; redis: ThrowawayRedis };
  beforeAll(async () => {
    running.redis = await ThrowawayRedis.start();
    running.app = await TestApp.start({ ...options, redisUrl: running.redis.url });
  });
  afterAll(async () => {
    await running.app?.close();
    await running.redis?.stop();
  });
  return running;
}
