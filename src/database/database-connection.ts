import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { AppConfig } from '../config/config.module';
import { migrateToLatest } from './history.migrations';
import { HistoryTables } from './history.schema';
import { PostgresServerProcess } from './postgres-server.process';

const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 10_000;

/**
 * The PostgreSQL that keeps the history: DATABASE_URL, or an embedded server mailroute starts in
 * POSTGRES_DATA_DIR and stops itself (the laptop default, like the embedded Redis). The schema is
 * migrated before the connection is handed out.
 */
export class DatabaseConnection implements OnApplicationShutdown {
  private static readonly logger = new Logger('PostgreSQL');

  private constructor(
    readonly db: Kysely<HistoryTables>,
    private readonly embedded?: PostgresServerProcess,
  ) {}

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
    const db = new Kysely<HistoryTables>({ dialect: new PostgresDialect({ pool }) });
    try {
      await migrateToLatest(db as Kysely<unknown>);
    } catch (error) {
      await db.destroy();
      await embedded?.stop();
      throw error;
    }
    return new DatabaseConnection(db, embedded);
  }

  private static async startEmbeddedUnlessConfigured(config: AppConfig): Promise<PostgresServerProcess | undefined> {
    if (config.database.url) return undefined;
    const embedded = await PostgresServerProcess.start({ dataDir: config.database.dataDir });
    DatabaseConnection.logger.log(`Started embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in ${config.database.dataDir})`);
    return embedded;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
    await this.embedded?.stop();
  }
}
