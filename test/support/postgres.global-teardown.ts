import { SHARED_POSTGRES_VARIABLE, ThrowawayPostgres } from './postgres';
import { SHARED_POSTGRES } from './postgres.global-setup';

/** Jest's globalTeardown for the e2e project: stops the server postgres.global-setup.ts started, and removes its data. */
export default async function stopSharedPostgres(): Promise<void> {
  const holder = globalThis as Record<symbol, ThrowawayPostgres | undefined>;
  await holder[SHARED_POSTGRES]?.stop();
  delete holder[SHARED_POSTGRES];
  delete process.env[SHARED_POSTGRES_VARIABLE];
}
