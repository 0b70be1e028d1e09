/**
 * Where an API process's time goes per request (issue 18): mailroute in api role with the no-work
 * reference route (bench/reference/), on Redis with AOF and PostgreSQL, under autocannon at 50
 * connections with the accept benchmark's email and keys; a CPU profile of the process over the measured
 * DURATION seconds (bench/cpu-profile.preload.js), as self time per module and the top functions, in
 * microseconds per request. ROUTE chooses the route: the no-work one (the stack around every request) or
 * /v1/emails (the stack and the accept). The profile is kept in the temporary directory printed at the
 * end, for Chrome DevTools. ROUTE=/v1/emails/batch posts batches of 100 at 10 connections, as bench:accept
 * does, and gives the figures per email.
 *
 *   npm run bench:accept-profile    (ROUTE=/v1/bench/noop, DURATION=8 seconds after 3 of warm-up)
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServerProcess } from '../src/redis/redis-server.process';
import { ThrowawayPostgres } from '../test/support/postgres';
import { ServiceProcess } from '../test/support/service-process';
import { BENCH_EMAIL, CLIENT_API_KEYS, postFromClients } from './accept-load';
import { summarise } from './cpu-profile.summary';

const ROUTE = process.env.ROUTE ?? '/v1/bench/noop';
const DURATION_S = Number(process.env.DURATION ?? 8);
const WARM_UP_S = 3;
const BATCH = ROUTE.endsWith('/batch');
const BATCH_SIZE = 100;
const CONNECTIONS = BATCH ? 10 : 50;
const BODY = BATCH ? Array.from({ length: BATCH_SIZE }, () => BENCH_EMAIL) : BENCH_EMAIL;
const PER = BATCH ? 'email' : 'request';
const TOP_MODULES = 20;
const TOP_FUNCTIONS = 30;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroute-accept-profile-'));
  const redis = await RedisServerProcess.start({ dataDir: join(dir, 'redis'), appendOnly: true });
  const postgres = await ThrowawayPostgres.start({ fsync: true });
  const service = await ServiceProcess.start(
    {
      REDIS_URL: redis.url,
      DATABASE_URL: await postgres.createDatabase(),
      MAIL_ROLE: 'api',
      MAIL_OUTBOX_DIR: join(dir, 'outbox'),
      API_KEYS: CLIENT_API_KEYS,
      LOG_FORMAT: 'json',
      NODE_OPTIONS: `--require ${join(__dirname, 'cpu-profile.preload.js')}`,
      CPU_PROFILE_DIR: dir,
    },
    { entry: 'bench/reference/main.ts' },
  );
  const load = (durationS: number) => postFromClients(`${service.url}${ROUTE}`, CONNECTIONS, durationS, BODY);
  try {
    await load(WARM_UP_S);
    writeFileSync(join(dir, 'start'), '');
    const result = await load(DURATION_S);
    writeFileSync(join(dir, 'stop'), '');
    const profile = await waitForProfile(dir);
    const summary = summarise(join(dir, profile));
    const perRequest = (us: number) => Math.round(us / (result.requests.total * (BATCH ? BATCH_SIZE : 1)));
    console.log(`${ROUTE}, ${CONNECTIONS} connections: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`);
    console.log(`CPU per ${PER}: ${perRequest(summary.busyUs)} µs\n\n| module | µs per ${PER} |\n| --- | --- |`);
    for (const { module, us } of summary.modules.slice(0, TOP_MODULES)) console.log(`| ${module} | ${perRequest(us)} |`);
    console.log(`\n| function | module | µs per ${PER} |\n| --- | --- | --- |`);
    for (const { name, module, us } of summary.functions.slice(0, TOP_FUNCTIONS)) console.log(`| ${name} | ${module} | ${perRequest(us)} |`);
    console.log(`\nprofile: ${join(dir, profile)}`);
  } finally {
    await service.stop();
    await redis.stop();
    await postgres.stop();
  }
}

/** The preload writes the profile once it sees the stop file, within a second or two. */
async function waitForProfile(dir: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const profile = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (profile) return profile;
    if (Date.now() > deadline) throw new Error(`no CPU profile in ${dir} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
