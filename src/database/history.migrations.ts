import { Kysely, Migration, MigrationProvider, Migrator } from 'kysely';
import * as history from './migrations/0001-history';
import * as resentFrom from './migrations/0002-resent-from';

/**
 * Every migration, by name in the order they apply. Listed in code rather than read from a folder, so
 * that the build bundles them and a migration can never be missing beside the code that needs it.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001-history': history,
  '0002-resent-from': resentFrom,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Brings the schema to this version's. Kysely's migrator takes a lock, so processes starting together
 * migrate once; and it refuses to run when the database holds a migration this version does not know
 * (a newer mailroute migrated it), so an older process never works on a schema it cannot read.
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const { error, results = [] } = await new Migrator({ db, provider }).migrateToLatest();
  if (!error) return;
  const failed = results.find((result) => result.status === 'Error')?.migrationName;
  throw new Error(`${failed ? `database migration ${failed}` : 'migrating the database'} failed: ${(error as Error).message}`, { cause: error });
}
