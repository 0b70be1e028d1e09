import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import startSharedPostgres from './postgres.global-setup';

/**
 * Jest's globalSetup for the e2e project: the console bundled as `npm run build` bundles it (the app
 * serves console/dist, which a fresh clone does not have), once for every test file that opens it; then
 * the PostgreSQL the whole run shares.
 */
export default async function setUpEndToEndRun(): Promise<void> {
  const built = spawnSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build-console.js')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`the console was not built: ${built.stderr}`);
  await startSharedPostgres();
}
