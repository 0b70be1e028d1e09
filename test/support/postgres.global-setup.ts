import { SHARED_POSTGRES_VARIABLE, ThrowawayPostgres } from './postgres';

/** Where globalTeardown finds the server: it runs in this process, but as a module of its own. */
export const SHARED_POSTGRES = Symbol.for('mailroute.sharedPostgres');

/**
 * Jest's globalSetup for the e2e project: one PostgreSQL for the whole run, rather than a server per
 * app, since every app needs a database and a server takes far longer to start than a database to
 * make. Its URL goes into the environment, which the test workers forked after this inherit.
 */
export default async function startSharedPostgres(): Promise<void> {
  // Every app keeps a pool of its own open on it, several test files at a time: more than the default 100.
  const postgres = await ThrowawayPostgres.start({ settings: { max_connections: '400' } });
  (globalThis as Record<symbol, unknown>)[SHARED_POSTGRES] = postgres;
  process.env[SHARED_POSTGRES_VARIABLE] = postgres.url;
}
