import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { AppConfig } from '../config/config.module';
import { isDatabaseUnreachable } from './database-unreachable';
import { migrateToLatest } from './history.migrations';
import { HistoryTables } from './history.schema';
import { PostgresServerProcess } from './postgres-server.process';
import { SchemaGate } from './schema-gate.plugin';

const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 10_000;
/** The longest a shutdown waits for the pool's connections to close before stopping the embedded server. */
const CLIENTS_CLOSE_MS = 2_000;
/**
 * Retries of the start-up migration while PostgreSQL is away: soon at first, then every 30 s at most.
 * Its waits do not hold the process open (unref) nor its shutdown, which aborts the retries.
 */
const untilReachable = retry(handleWhen(isDatabaseUnreachable), {
  maxAttempts: Number.POSITIVE_INFINITY,
  backoff: new ExponentialBackoff({ initialDelay: 1_000, maxDelay: 30_000 }),
}).dangerouslyUnref();

/**
 * The PostgreSQL that keeps the history: DATABASE_URL, or an embedded server mailroute starts in
 * POSTGRES_DATA_DIR and stops itself (the laptop default, like the embedded Redis). The schema is
 * migrated before `db` runs a query. A PostgreSQL that cannot be reached at start does not stop the
 * process, since accepting and delivering do not need it: the migration is retried until it answers, and
 * until then every query fails at once, as it would against an unreachable server. Any other failure (a
 * wrong password, a schema newer than this version) stops the start.
 */
export class DatabaseConnection implements OnApplicationShutdown {
  private static readonly logger = new Logger('PostgreSQL');
  /** The history's queries, held back by the gate until the schema is checked. */
  readonly db: Kysely<HistoryTables>;
  private readonly stopping = new AbortController();

  private constructor(
    private readonly raw: Kysely<HistoryTables>,
    private readonly pool: Pool,
    private readonly gate: SchemaGate,
    private readonly embedded?: PostgresServerProcess,
  ) {
    this.db = raw.withPlugin(gate);
  }

  static async open(config: AppConfig): Promise<DatabaseConnection> {
    const embedded = await DatabaseConnection.startEmbeddedUnlessConfigured(config);
    const pool = new Pool({
      connectionString: config.database.url ?? embedded!.url,
      ...(config.database.tlsCa ? { ssl: { ca: config.database.tlsCa } } : {}),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      application_name: 'mailroute',
    });
    // An idle client's error (the server restarted) would otherwise be thrown; the pool replaces it.
    pool.on('error', (error) => DatabaseConnection.logger.warn(`PostgreSQL connection error: ${error.message}`));
    // The pool listens only to idle clients: a client in use whose server goes away emits an 'error' no one
    // hears, which Node throws, stopping the process. Its query fails with the same error, which its caller
    // reports, and the pool drops the broken client on release; so this listener only keeps the process up.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const connection = new DatabaseConnection(new Kysely<HistoryTables>({ dialect: new PostgresDialect({ pool }) }), pool, new SchemaGate(), embedded);
    try {
      await connection.migrate();
    } catch (error) {
      if (!isDatabaseUnreachable(error)) {
        await connection.close();
        throw error;
      }
      DatabaseConnection.logger.warn(`PostgreSQL is unreachable (${(error as Error).message}); starting without the history until it answers`);
      void connection.migrateOnceReachable();
    }
    return connection;
  }

  /** The embedded server when the configuration names none; also what a process cluster's primary starts for its processes. */
  static async startEmbeddedUnlessConfigured(config: AppConfig): Promise<PostgresServerProcess | undefined> {
    if (config.database.url) return undefined;
    const { dataDir, fallbackDataDir } = config.database;
    const embedded = await PostgresServerProcess.start({ dataDir, fallbackDataDir });
    DatabaseConnection.logger.log(`Started embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in ${embedded.dataDir})`);
    if (embedded.dataDir !== dataDir) {
      DatabaseConnection.logger.warn(
        `The embedded PostgreSQL runs as an unprivileged user (postgres refuses root) who cannot reach ${dataDir}, ` +
          `so its data is in ${embedded.dataDir} instead; set POSTGRES_DATA_DIR to choose the place`,
      );
    }
    return embedded;
  }

  /** Where the embedded server keeps its data (the configured folder, or its fallback); undefined with DATABASE_URL. */
  get embeddedDataDir(): string | undefined {
    return this.embedded?.dataDir;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.close();
  }

  private async migrate(): Promise<void> {
    await migrateToLatest(this.raw as Kysely<unknown>);
    this.gate.openNow();
  }

  private async migrateOnceReachable(): Promise<void> {
    try {
      await untilReachable.execute(() => this.migrate(), this.stopping.signal);
      DatabaseConnection.logger.log('PostgreSQL answers: the schema is migrated and the history is available');
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      DatabaseConnection.logger.error(`The history stays unavailable: ${(error as Error).message}`);
    }
  }

  /**
   * The embedded server stops only once every connection has closed: pg-pool's end() resolves as soon as
   * it has asked its clients to end, and a server stopping under a client still saying goodbye answers
   * it "terminating connection due to administrator command", a warning on a clean shutdown.
   */
  private async close(): Promise<void> {
    const disconnected = this.everyClientRemoved();
    await this.raw.destroy();
    await disconnected;
    await this.embedded?.stop();
  }

  /** Resolves once the pool has removed each client it holds now, or after CLIENTS_CLOSE_MS at the latest. */
  private everyClientRemoved(): Promise<void> {
    let open = this.pool.totalCount;
    if (open === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, CLIENTS_CLOSE_MS);
      this.pool.on('remove', () => {
        open -= 1;
        if (open > 0) return;
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
