/**
 * How fast mailroute accepts mail: autocannon against POST /v1/emails (1, 50 and 200 connections) and
 * POST /v1/emails/batch, next to references measured in the same run on the same machine: a route of the
 * same Nest app that answers 202 and does no work, a bare Nest app of the same version with one such
 * route and nothing else, bare Express 5 parsing the same JSON and answering 202, a bare node:http
 * server answering a fixed 202, and Bull's queue.add with 100 in flight. The ratios are the figures to
 * compare across machines; those the goals name (single accept and the no-work route against bare
 * Express, bare Nest against it for the wall, single accept against the no-work route, batch against
 * Bull's add) are the median of PAIRS measurements taken in alternation, since one busy moment on a
 * shared machine moves a single pair by ten points. Also the CPU time each accepted email costs the API
 * process and Redis (at 50 connections, for the batch and for Bull's add), which says which of the two
 * bounds a rate. Prints tables and writes bench/results.json.
 *
 *   npm run bench:accept            (DURATION=5 seconds per row, PAIRS=3 by default)
 */
import type autocannon from 'autocannon';
import Queue from 'bull';
import Redis from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RedisServerProcess } from '../src/redis/redis-server.process';
import { TestRedisServer } from '../test/support/test-redis-server';
import { ThrowawayPostgres } from '../test/support/postgres';
import { ServiceProcess } from '../test/support/service-process';
import { BENCH_EMAIL as email, CLIENT_API_KEYS, postFromClients } from './accept-load';
import { redisCpuSeconds } from './cpu-time';
import { scrapeMetrics } from './metrics-scrape';
import { saveResults } from './results-file';

const DURATION_S = Number(process.env.DURATION ?? 5);
const PAIRS = Number(process.env.PAIRS ?? 3);
const BATCH_SIZE = 100;
const BULL_IN_FLIGHT = 100;
const NEST_NOOP = 'no-work route, same app';

interface Row {
  target: string;
  connections: number;
  /** Requests per second, and emails per second (differs for batches). */
  requestsPerSecond: number;
  emailsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** What the errors were: non-2xx answers by status, timeouts, other connection errors. */
  errorKinds?: string;
  /** Emails in the 2xx answers: what the CPU used during the row is divided by. */
  emailsAccepted: number;
}

/** CPU time per accepted email, of the process that accepted it and of Redis. */
interface CpuRow {
  target: string;
  processUsPerEmail: number;
  redisUsPerEmail: number;
}

async function load(target: string, url: string, connections: number, body: unknown, emailsPerRequest = 1): Promise<Row> {
  const result = await postFromClients(url, connections, DURATION_S, body);
  const requestsPerSecond = Math.round(result.requests.average);
  return {
    target,
    connections,
    requestsPerSecond,
    emailsPerSecond: requestsPerSecond * emailsPerRequest,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    errorKinds: errorKinds(result),
    emailsAccepted: result['2xx'] * emailsPerRequest,
  };
}

/** `429: 3, timeouts: 2`: what autocannon counted as errors, so that a row with errors says which. */
function errorKinds(result: autocannon.Result): string | undefined {
  const answers = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, { count }]) => `${status}: ${count}`);
  const timeouts = result.timeouts ? [`timeouts: ${result.timeouts}`] : [];
  const others = result.errors - result.timeouts > 0 ? [`connection errors: ${result.errors - result.timeouts}`] : [];
  const kinds = [...answers, ...timeouts, ...others];
  return kinds.length ? kinds.join(', ') : undefined;
}

/**
 * CPU time per accepted email of the process that accepted it and of Redis, over the rows it measures.
 * Holds up better than requests per second on a busy machine, and Redis runs one thread: its time per
 * email bounds the accept rate whatever the API process does.
 */
class CpuMeter {
  readonly rows: CpuRow[] = [];

  constructor(private readonly redis: Redis) {}

  async measure(processCpuSeconds: () => Promise<number>, run: () => Promise<Row>): Promise<Row> {
    const [processBefore, redisBefore] = await Promise.all([processCpuSeconds(), redisCpuSeconds(this.redis)]);
    const row = await run();
    const [processAfter, redisAfter] = await Promise.all([processCpuSeconds(), redisCpuSeconds(this.redis)]);
    const perEmail = (seconds: number) => Math.round((seconds / row.emailsAccepted) * 1e6);
    this.rows.push({
      target: row.connections ? `${row.target}, ${row.connections} connections` : row.target,
      processUsPerEmail: perEmail(processAfter - processBefore),
      redisUsPerEmail: perEmail(redisAfter - redisBefore),
    });
    return row;
  }
}

async function serviceCpuSeconds(service: ServiceProcess): Promise<number> {
  return (await scrapeMetrics(service.url))('process_cpu_seconds_total');
}

function ownCpuSeconds(): Promise<number> {
  const { user, system } = process.cpuUsage();
  return Promise.resolve((user + system) / 1e6);
}

const BARE_HTTP = 'bare node:http 202';
const BARE_EXPRESS = 'bare Express 5, express.json(), 202';
const BARE_NEST = 'bare Nest, one route, same body parser, 202';

/** The floor: what Node's HTTP server does on this machine when answering costs nothing. */
function startBareServer(port: number): Promise<ChildProcess> {
  return startReference(`require('node:http').createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(202, { 'content-type': 'application/json' }); res.end('{"id":"x","status":"queued"}'); });
  }).listen(${port}, '127.0.0.1', () => console.log('ready'));`);
}

/** What the framework costs on its own: the Express that Nest runs on, parsing the same JSON body, doing nothing with it. */
function startBareExpress(port: number): Promise<ChildProcess> {
  return startReference(`const express = require('express');
  express().use(express.json()).post('/', (req, res) => res.status(202).json({ id: 'x', status: 'queued' }))
    .listen(${port}, '127.0.0.1', () => console.log('ready'));`);
}

/** What Nest costs on its own, over the same Express (bench/reference/bare-nest.ts). */
function startBareNest(port: number): Promise<ChildProcess> {
  return startReference(['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, 'reference', 'bare-nest.ts')], { PORT: String(port) });
}

/** A reference server in a process of its own (so that it has a core as the service does), from the checkout's node_modules. */
async function startReference(source: string | string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const args = typeof source === 'string' ? ['-e', source] : source;
  const child = spawn(process.execPath, args, {
    cwd: join(__dirname, '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout, 'data');
  return child;
}

const BULL_TARGET = `Bull queue.add, ${BULL_IN_FLIGHT} in flight`;

/**
 * The other floor: Bull's own enqueue rate with BULL_IN_FLIGHT adds outstanding, as a row. `meter`
 * brackets the adds alone (not the clean-up), for CpuMeter.
 */
async function bullAddRow(redisUrl: string, meter = (adds: () => Promise<Row>) => adds()): Promise<Row> {
  const queue = new Queue('bench', redisUrl);
  await queue.isReady();
  try {
    return await meter(async () => {
      const deadline = Date.now() + DURATION_S * 1000;
      let added = 0;
      const adder = async () => {
        while (Date.now() < deadline) {
          await queue.add({ id: String(added) }, { removeOnComplete: true });
          added += 1;
        }
      };
      await Promise.all(Array.from({ length: BULL_IN_FLIGHT }, adder));
      const rate = Math.round(added / DURATION_S);
      return { target: BULL_TARGET, connections: 0, requestsPerSecond: rate, emailsPerSecond: rate, p50Ms: 0, p99Ms: 0, errors: 0, emailsAccepted: added };
    });
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

function print(rows: Row[], cpuRows: CpuRow[], ratios: Record<string, number>): void {
  console.log('\n| target | connections | req/s | emails/s | p50 ms | p99 ms | errors |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    console.log(
      `| ${row.target} | ${row.connections} | ${row.requestsPerSecond} | ${row.emailsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.errors}${row.errorKinds ? ` (${row.errorKinds})` : ''} |`,
    );
  }
  console.log('\n| CPU per accepted email (per answer for the no-work route) | accepting process µs | Redis µs |\n| --- | --- | --- |');
  for (const row of cpuRows) console.log(`| ${row.target} | ${row.processUsPerEmail} | ${row.redisUsPerEmail} |`);
  console.log('\n| ratio | value |\n| --- | --- |');
  for (const [name, value] of Object.entries(ratios)) console.log(`| ${name} | ${(value * 100).toFixed(0)}% |`);
}

/** `measured() / reference()`, PAIRS times, the two measured one right after the other each time. */
async function pairedRatios(measured: () => Promise<number>, reference: () => Promise<number>): Promise<number[]> {
  const ratios: number[] = [];
  for (let pair = 0; pair < PAIRS; pair += 1) ratios.push((await measured()) / (await reference()));
  return ratios;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** mailroute in api role plus the no-work reference route, in one process, on `redisUrl` and a fresh database of `postgres`. */
async function startService(redisUrl: string, postgres: ThrowawayPostgres, outboxDir: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const databaseUrl = await postgres.createDatabase();
  // api role: the workers would compete for the same two cores; delivery is measured on its own.
  return ServiceProcess.start(
    { REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, MAIL_ROLE: 'api', MAIL_OUTBOX_DIR: outboxDir, API_KEYS: CLIENT_API_KEYS, LOG_FORMAT: 'json', ...env },
    { entry: 'bench/reference/main.ts' },
  );
}

const TWO_PROCESSES = 'POST /v1/emails, MAIL_PROCESSES=2';

/** Single accept with two API processes sharing the port (src/process-cluster.ts), on the same Redis. */
async function twoProcessesRow(redisUrl: string, postgres: ThrowawayPostgres, outboxDir: string): Promise<Row> {
  const service = await startService(redisUrl, postgres, outboxDir, { MAIL_PROCESSES: '2' });
  try {
    return await load(TWO_PROCESSES, `${service.url}/v1/emails`, 50, email);
  } finally {
    await service.stop();
  }
}

/**
 * The price of `appendfsync always` (Redis fsyncs every write before it answers, so a machine crash
 * loses nothing acknowledged) against the default `everysec`, on the same endpoints.
 */
async function fsyncAlwaysRows(dataDir: string, postgres: ThrowawayPostgres, batch: unknown[]): Promise<Row[]> {
  const redis = await TestRedisServer.start({ dataDir: join(dataDir, 'always'), appendOnly: true, settings: { appendfsync: 'always' } });
  const service = await startService(redis.url, postgres, join(dataDir, 'outbox-always'));
  try {
    return [
      await load('POST /v1/emails, appendfsync always', `${service.url}/v1/emails`, 50, email),
      await load(`POST /v1/emails/batch (${BATCH_SIZE}), appendfsync always`, `${service.url}/v1/emails/batch`, 10, batch, BATCH_SIZE),
    ];
  } finally {
    await service.stop();
    await redis.stop();
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mailroute-bench-'));
  const redis = await RedisServerProcess.start({ dataDir, appendOnly: true });
  // With fsync, as the embedded default runs it.
  const postgres = await ThrowawayPostgres.start({ fsync: true });
  const barePort = await freePort();
  const bare = await startBareServer(barePort);
  const expressPort = await freePort();
  const bareExpress = await startBareExpress(expressPort);
  const nestPort = await freePort();
  const bareNest = await startBareNest(nestPort);
  const service = await startService(redis.url, postgres, join(dataDir, 'outbox'));
  const redisClient = new Redis(redis.url);
  const cpu = new CpuMeter(redisClient);
  const ofService = () => serviceCpuSeconds(service);
  try {
    const rows: Row[] = [];
    for (const connections of [1, 50, 200]) {
      const metered = (run: () => Promise<Row>) => (connections === 50 ? cpu.measure(ofService, run) : run());
      rows.push(await load(BARE_HTTP, `http://127.0.0.1:${barePort}/`, connections, email));
      rows.push(await load(BARE_EXPRESS, `http://127.0.0.1:${expressPort}/`, connections, email));
      rows.push(await load(BARE_NEST, `http://127.0.0.1:${nestPort}/`, connections, email));
      rows.push(await metered(() => load(NEST_NOOP, `${service.url}/v1/bench/noop`, connections, email)));
      rows.push(await metered(() => load('POST /v1/emails', `${service.url}/v1/emails`, connections, email)));
    }
    const batch = Array.from({ length: BATCH_SIZE }, () => email);
    const batchTarget = `POST /v1/emails/batch (${BATCH_SIZE})`;
    rows.push(await cpu.measure(ofService, () => load(batchTarget, `${service.url}/v1/emails/batch`, 10, batch, BATCH_SIZE)));
    rows.push(await bullAddRow(redis.url, (adds) => cpu.measure(ownCpuSeconds, adds)));
    const rate = async (target: string, url: string) => (await load(target, url, 50, email)).requestsPerSecond;
    const single = () => rate('POST /v1/emails', `${service.url}/v1/emails`);
    const noWork = () => rate(NEST_NOOP, `${service.url}/v1/bench/noop`);
    const bareExpressRate = () => rate(BARE_EXPRESS, `http://127.0.0.1:${expressPort}/`);
    const pairs = {
      single: await pairedRatios(single, noWork),
      singleOfExpress: await pairedRatios(single, bareExpressRate),
      noWorkOfExpress: await pairedRatios(noWork, bareExpressRate),
      nestOfExpress: await pairedRatios(() => rate(BARE_NEST, `http://127.0.0.1:${nestPort}/`), bareExpressRate),
      batch: await pairedRatios(
        async () => (await load('batch', `${service.url}/v1/emails/batch`, 10, batch, BATCH_SIZE)).emailsPerSecond,
        async () => (await bullAddRow(redis.url)).emailsPerSecond,
      ),
    };
    await service.stop();
    rows.push(await twoProcessesRow(redis.url, postgres, join(dataDir, 'outbox-two')));
    rows.push(...(await fsyncAlwaysRows(dataDir, postgres, batch)));

    const at50 = (target: string) => rows.find((row) => row.target === target && row.connections === 50)!;
    const cpuOf = (target: string) => cpu.rows.find((row) => row.target === target)!;
    const redisCeiling = 1e6 / cpuOf(`${batchTarget}, 10 connections`).redisUsPerEmail;
    const ratios = {
      [`single accept / no-work route of the same app, 50 connections, median of ${PAIRS} pairs`]: median(pairs.single),
      [`single accept / bare Express, 50 connections, median of ${PAIRS} pairs`]: median(pairs.singleOfExpress),
      [`no-work route / bare Express, 50 connections, median of ${PAIRS} pairs`]: median(pairs.noWorkOfExpress),
      [`bare Nest / bare Express, 50 connections, median of ${PAIRS} pairs`]: median(pairs.nestOfExpress),
      'single accept / no-work route, by API CPU per request, 50 connections':
        cpuOf(`${NEST_NOOP}, 50 connections`).processUsPerEmail / cpuOf('POST /v1/emails, 50 connections').processUsPerEmail,
      'single accept / bare node:http, 50 connections': at50('POST /v1/emails').requestsPerSecond / at50(BARE_HTTP).requestsPerSecond,
      [`batch accept (emails/s) / Bull add rate, median of ${PAIRS} pairs`]: median(pairs.batch),
      'most batch accept could reach with Redis at 100% of a core / Bull add rate':
        redisCeiling / rows.find((row) => row.target === BULL_TARGET)!.emailsPerSecond,
      'single accept, MAIL_PROCESSES=2 / 1, 50 connections': at50(TWO_PROCESSES).requestsPerSecond / at50('POST /v1/emails').requestsPerSecond,
      'single accept, appendfsync always / everysec': at50('POST /v1/emails, appendfsync always').requestsPerSecond / at50('POST /v1/emails').requestsPerSecond,
    };
    print(rows, cpu.rows, ratios);
    const percent = (values: number[]) => values.map((value) => `${(value * 100).toFixed(0)}%`).join(', ');
    console.log(
      `\nThe pairs: single accept / no-work route ${percent(pairs.single)}; single / bare Express ${percent(pairs.singleOfExpress)}; ` +
        `no-work / bare Express ${percent(pairs.noWorkOfExpress)}; bare Nest / bare Express ${percent(pairs.nestOfExpress)}; ` +
        `batch / Bull add ${percent(pairs.batch)}`,
    );
    console.log(`Redis alone caps batch accept at ${Math.round(redisCeiling)} emails/s on this machine.`);
    saveResults('accept', { durationS: DURATION_S, rows, cpu: cpu.rows, ratios, pairs });
  } finally {
    redisClient.disconnect();
    await service.stop();
    bare.kill();
    bareExpress.kill();
    bareNest.kill();
    await redis.stop();
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
