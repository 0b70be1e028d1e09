/**
 * How much memory a worker needs with a large backlog: 100,000 messages are accepted through
 * POST /v1/emails/batch by an api process while the mail queue is paused, then one worker process
 * (MAIL_ROLE=worker) starts; its resident set size is read from its own GET /metrics
 * (`process_resident_memory_bytes`, i.e. VmRSS) while it sits idle in front of the paused backlog, and
 * then every half second while it works through the backlog, at each MAIL_CONCURRENCY in turn. The
 * backlog is topped up to BACKLOG before each run. A worker started on an empty queue is the baseline.
 * Prints a table and writes the `workerMemory` key of bench/results.json.
 *
 *   npm run bench:memory     (BACKLOG=100000, CONCURRENCIES=10,100,500, WINDOW=20 seconds of sending per run;
 *                             ENTRY=dist/main.js runs that bundle instead of building one)
 */
import type { ServiceProcess } from '../test/support/service-process';
import { DeliveryRig } from './delivery-rig';
import { scrapeMetrics } from './metrics-scrape';
import { saveResults } from './results-file';

const BACKLOG = Number(process.env.BACKLOG ?? 100_000);
const CONCURRENCIES = (process.env.CONCURRENCIES ?? '10,100,500').split(',').map(Number);
const WINDOW_S = Number(process.env.WINDOW ?? 20);
const PROVIDER_DELAY_MS = 20;
const SAMPLE_MS = 500;
/** Idle samples: enough for the heap to settle after start-up. */
const IDLE_SAMPLES = 6;
const MB = 1024 * 1024;

interface Sample {
  rssMb: number;
  heapUsedMb: number;
}

interface Row {
  concurrency: number;
  /** Messages waiting when the worker started. */
  backlog: number;
  idleRssMb: number;
  peakRssMb: number;
  /** Median of the second half of the samples taken while sending. */
  steadyRssMb: number;
  peakHeapUsedMb: number;
  sendingSeconds: number;
  sent: number;
  emailsPerSecond: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round1 = (value: number) => Math.round(value * 10) / 10;

async function sample(worker: ServiceProcess): Promise<Sample> {
  const reading = await scrapeMetrics(worker.url);
  return {
    rssMb: round1(reading('process_resident_memory_bytes') / MB),
    heapUsedMb: round1(reading('nodejs_heap_size_used_bytes') / MB),
  };
}

async function idleRss(worker: ServiceProcess): Promise<number> {
  let last: Sample | undefined;
  for (let i = 0; i < IDLE_SAMPLES; i += 1) {
    await sleep(SAMPLE_MS);
    last = await sample(worker);
  }
  return last!.rssMb;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function emptyQueueBaseline(rig: DeliveryRig): Promise<number> {
  await rig.clear();
  const [worker] = await rig.startWorkers(1, CONCURRENCIES[0]);
  try {
    return await idleRss(worker);
  } finally {
    await worker.stop();
  }
}

async function run(rig: DeliveryRig, concurrency: number): Promise<Row> {
  await rig.pause();
  await rig.loadThroughApi(BACKLOG - (await rig.queuedCount()));
  const [worker] = await rig.startWorkers(1, concurrency);
  try {
    const idleRssMb = await idleRss(worker);
    const sentBefore = await rig.sentCount();
    const started = performance.now();
    await rig.release();
    const samples: Sample[] = [];
    while (performance.now() - started < WINDOW_S * 1000 && (await rig.queuedCount()) > 0) {
      await sleep(SAMPLE_MS);
      samples.push(await sample(worker));
    }
    const sendingSeconds = (performance.now() - started) / 1000;
    const sent = (await rig.sentCount()) - sentBefore;
    const rss = samples.map((s) => s.rssMb);
    return {
      concurrency,
      backlog: BACKLOG,
      idleRssMb,
      peakRssMb: Math.max(...rss),
      steadyRssMb: median(rss.slice(Math.floor(rss.length / 2))),
      peakHeapUsedMb: Math.max(...samples.map((s) => s.heapUsedMb)),
      sendingSeconds: round1(sendingSeconds),
      sent,
      emailsPerSecond: Math.round(sent / sendingSeconds),
    };
  } finally {
    // Paused first, so that the messages the worker has not taken stay queued for the next run.
    await rig.pause();
    await worker.stop();
  }
}

function print(rows: Row[], baselineMb: number): void {
  console.log(`\nWorker idle on an empty queue: ${baselineMb} MB RSS.\n`);
  console.log('| backlog | concurrency | idle RSS MB | peak RSS MB | steady RSS MB | peak heap used MB | sending s | sent | emails/s |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    console.log(
      `| ${row.backlog} | ${row.concurrency} | ${row.idleRssMb} | ${row.peakRssMb} | ${row.steadyRssMb} | ` +
        `${row.peakHeapUsedMb} | ${row.sendingSeconds} | ${row.sent} | ${row.emailsPerSecond} |`,
    );
  }
}

async function main(): Promise<void> {
  const rig = await DeliveryRig.start(PROVIDER_DELAY_MS, process.env.ENTRY);
  try {
    const baselineMb = await emptyQueueBaseline(rig);
    const rows: Row[] = [];
    for (const concurrency of CONCURRENCIES) {
      rows.push(await run(rig, concurrency));
      console.log(`concurrency ${concurrency}: peak ${rows.at(-1)!.peakRssMb} MB RSS`);
    }
    print(rows, baselineMb);
    saveResults('workerMemory', { providerDelayMs: PROVIDER_DELAY_MS, windowS: WINDOW_S, emptyQueueIdleRssMb: baselineMb, rows });
  } finally {
    await rig.stop();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
