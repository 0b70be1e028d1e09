/**
 * Where a worker's time goes per delivered message, in the delivery benchmark's setting (production
 * bundle, fake SendGrid answering after 20 ms, a backlog released at once):
 *  1. the Redis commands one delivery costs, counted with MONITOR over COUNT_MESSAGES messages: the
 *     requests the worker makes (a MULTI block is one; requests issued together share a write and a
 *     round trip) and everything Redis executes for them;
 *  2. a CPU profile of the worker(s) over MESSAGES messages (bench/cpu-profile.preload.js), as self time
 *     per module and the top functions, in microseconds per delivered message.
 * The profiles are kept in the temporary directory printed at the end, for Chrome DevTools.
 *
 *   npm run bench:profile     (MESSAGES=10000, COUNT_MESSAGES=1000, CONCURRENCY=100, WORKERS=1;
 *                              ENTRY=dist/main.js runs that bundle instead of building one)
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarise, SelfTime } from './cpu-profile.summary';
import { DeliveryRig } from './delivery-rig';
import { RedisCommandTally } from './redis-command-tally';

const MESSAGES = Number(process.env.MESSAGES ?? 10_000);
const COUNT_MESSAGES = Number(process.env.COUNT_MESSAGES ?? 1000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 100);
const WORKERS = Number(process.env.WORKERS ?? 1);
const PROVIDER_DELAY_MS = 20;
const POLL_MS = 20;
const TIMEOUT_MS = 300_000;
const TOP_FUNCTIONS = 30;
/** Commands rarer than this per message are start-up or timer work, not the delivery's. */
const RARE = 0.02;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** Releases `count` loaded messages to running workers and waits until every job is finished. */
async function deliverAll(rig: DeliveryRig, count: number): Promise<number> {
  const started = performance.now();
  await rig.release();
  await until(async () => (await rig.sentCount()) === count && (await rig.unfinishedJobs()) === 0, `${count} messages sent`);
  return (performance.now() - started) / 1000;
}

async function countCommands(rig: DeliveryRig): Promise<void> {
  await rig.clear();
  await rig.loadThroughApi(COUNT_MESSAGES);
  const workers = await rig.startWorkers(WORKERS, CONCURRENCY);
  const tally = await RedisCommandTally.watch(rig.redisUrl);
  tally.ignore(rig.redis);
  try {
    await deliverAll(rig, COUNT_MESSAGES);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
  const { requests, executed } = tally.stop();

  const perMessage = (counts: Map<string, number>) =>
    [...counts].map(([name, n]) => ({ name, n: n / COUNT_MESSAGES })).filter(({ n }) => n >= RARE).sort((a, b) => b.n - a.n);
  const total = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + n, 0) / COUNT_MESSAGES;
  console.log(`\nRedis requests per delivered message (MONITOR over ${COUNT_MESSAGES} messages): ${total(requests).toFixed(1)}\n`);
  console.log('| per message | request |\n| --- | --- |');
  for (const { name, n } of perMessage(requests)) console.log(`| ${n.toFixed(2)} | \`${name}\` |`);
  console.log(`\nCommands Redis executed per message, inside scripts and transactions included: ${total(executed).toFixed(1)}`);
}

async function profile(rig: DeliveryRig): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroute-worker-profile-'));
  await rig.clear();
  await rig.loadThroughApi(MESSAGES);
  const workers = await rig.startWorkers(WORKERS, CONCURRENCY, {
    NODE_OPTIONS: `--require ${join(__dirname, 'cpu-profile.preload.js')}`,
    CPU_PROFILE_DIR: dir,
  });
  const profiles = () => readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  let seconds: number;
  try {
    writeFileSync(join(dir, 'start'), '');
    seconds = await deliverAll(rig, MESSAGES);
    writeFileSync(join(dir, 'stop'), '');
    await until(async () => profiles().length === WORKERS, 'the profiles');
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }

  const summaries = profiles().map((name) => summarise(join(dir, name)));
  const usPerMessage = (us: number) => Math.round(us / MESSAGES);
  const busyUs = summaries.reduce((sum, s) => sum + s.busyUs, 0);
  const modules = merge(summaries.flatMap((s) => s.modules.map(({ module, us }) => ({ name: module, module, us }))));
  const functions = merge(summaries.flatMap((s) => s.functions));

  console.log(
    `\n${MESSAGES} messages in ${seconds.toFixed(1)} s (${Math.round(MESSAGES / seconds)}/s), ${WORKERS} worker(s) at ` +
      `concurrency ${CONCURRENCY}: ${usPerMessage(busyUs)} µs of worker CPU per message (profiled, so slower than unprofiled)\n`,
  );
  console.log('| module | µs per message | share |\n| --- | --- | --- |');
  for (const { module, us } of modules) {
    if (us / busyUs >= 0.005) console.log(`| ${module} | ${usPerMessage(us)} | ${((us / busyUs) * 100).toFixed(1)}% |`);
  }
  console.log(`\n| function (self time) | module | µs per message | share |\n| --- | --- | --- | --- |`);
  for (const { name, module, us } of functions.slice(0, TOP_FUNCTIONS)) {
    console.log(`| \`${name}\` | ${module} | ${usPerMessage(us)} | ${((us / busyUs) * 100).toFixed(1)}% |`);
  }
  console.log(`\nProfiles (open in Chrome DevTools): ${dir}`);
}

/** Adds up entries of the same function (or module) across workers, largest first. */
function merge(entries: SelfTime[]): SelfTime[] {
  const byKey = new Map<string, SelfTime>();
  for (const entry of entries) {
    const key = `${entry.module} ${entry.name}`;
    const sum = byKey.get(key) ?? { ...entry, us: 0 };
    sum.us += entry.us;
    byKey.set(key, sum);
  }
  return [...byKey.values()].sort((a, b) => b.us - a.us);
}

async function main(): Promise<void> {
  const rig = await DeliveryRig.start(PROVIDER_DELAY_MS, process.env.ENTRY);
  try {
    await countCommands(rig);
    await profile(rig);
  } finally {
    await rig.stop();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
