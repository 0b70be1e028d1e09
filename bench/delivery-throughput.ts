/**
 * How fast mailroute delivers: emails per second from accepted to sent, with the fake SendGrid
 * answering every send after 20 ms, at worker concurrency (MAIL_CONCURRENCY) 10, 100 and 500, with one
 * worker process and with two. Next to each, in the same run: a plain Bull worker with the same
 * concurrency and process count whose handler only makes the provider call (one HTTP POST to the same
 * fake with node:http, and the same message through the SendGrid SDK that mailroute's adapter must
 * use), and one whose handler only sleeps 20 ms (Bull's own ceiling). mailroute's rate as a share of
 * the plain workers' is the figure to compare across machines. Prints a table and writes the
 * `delivery` key of bench/results.json.
 *
 * Method: the messages are accepted through POST /v1/emails/batch by an api process while the mail
 * queue is paused; then the workers start, and once all are up the queue is resumed and the clock
 * runs until the store counts every message sent. The references get the same number of jobs the same
 * way (Bull addBulk into a paused queue).
 *
 *   npm run bench:delivery     (MESSAGES=10000 per run at most; CONCURRENCIES=10,100,500; WORKERS=1,2;
 *                               ENTRY=dist/main.js runs that bundle instead of building one)
 */
import Queue from 'bull';
import { randomUUID } from 'node:crypto';
import type { ServiceProcess } from '../test/support/service-process';
import { redisCpuSeconds } from './cpu-time';
import { DeliveryRig } from './delivery-rig';
import { scrapeMetrics } from './metrics-scrape';
import { RawBullWorker, RawHandler } from './raw-bull-worker.process';
import { saveResults } from './results-file';

const MESSAGES = Number(process.env.MESSAGES ?? 10_000);
const CONCURRENCIES = (process.env.CONCURRENCIES ?? '10,100,500').split(',').map(Number);
const WORKER_COUNTS = (process.env.WORKERS ?? '1,2').split(',').map(Number);
const PROVIDER_DELAY_MS = 20;
/** A run sends what an ideal worker would send in this long, so that concurrency 10 does not take minutes. */
const IDEAL_RUN_SECONDS = 5;
const RUN_TIMEOUT_MS = 180_000;
const POLL_MS = 10;
const RAW_QUEUE = 'bench-raw';

type Target = 'mailroute' | (typeof REFERENCES)[RawHandler];

const REFERENCES = { http: 'Bull + HTTP POST', sdk: 'Bull + SendGrid SDK', sleep: 'Bull + 20 ms sleep' } as const;

interface Row {
  target: Target;
  workers: number;
  concurrency: number;
  messages: number;
  seconds: number;
  emailsPerSecond: number;
  /** CPU used during the run, in cores (1 = one core busy the whole time). */
  workersCpu: number;
  /** Worker CPU time per message: less sensitive than the rate to other load on the machine. */
  workerCpuUsPerEmail: number;
  redisCpu: number;
  fakeCpu: number;
  fakeLoopDelayP99Ms: number;
}

/** What one measured run needs from the thing being measured. */
interface Contender {
  /** Messages (or jobs) finished so far. */
  done(): Promise<number>;
  /** CPU seconds used by its worker processes so far. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

interface Run {
  contender: Contender;
  /** Lets the waiting backlog go to the (already running) workers. */
  release: () => Promise<void>;
  row: Pick<Row, 'target' | 'workers' | 'concurrency' | 'messages'>;
  /** Sends the fake must have received: one per message, none for the sleeping reference. */
  expectedSends: number;
}

const messagesFor = (workers: number, concurrency: number) =>
  Math.min(MESSAGES, workers * concurrency * (1000 / PROVIDER_DELAY_MS) * IDEAL_RUN_SECONDS);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Times the run and stops the contender's processes, whatever happened. */
async function measure(rig: DeliveryRig, run: Run): Promise<Row> {
  try {
    return await timeRun(rig, run);
  } finally {
    await run.contender.stop();
  }
}

/** Releases the backlog and times it until every message is done; checks the fake saw what it should. */
async function timeRun(rig: DeliveryRig, { contender, release, row, expectedSends }: Run): Promise<Row> {
  await rig.fake.reset();
  const [cpuBefore, redisBefore] = await Promise.all([contender.cpuSeconds(), redisCpuSeconds(rig.redis)]);
  const started = performance.now();
  await release();
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  while ((await contender.done()) < row.messages) {
    if (Date.now() > deadline) throw new Error(`${row.target}: ${await contender.done()} of ${row.messages} done in time`);
    await sleep(POLL_MS);
  }
  const seconds = (performance.now() - started) / 1000;
  const [cpuAfter, redisAfter, fake] = await Promise.all([contender.cpuSeconds(), redisCpuSeconds(rig.redis), rig.fake.report()]);
  if (fake.sends !== expectedSends || fake.distinct !== expectedSends) {
    throw new Error(`${row.target}: the fake received ${fake.sends} sends (${fake.distinct} distinct), expected ${expectedSends}`);
  }
  return {
    ...row,
    seconds: Number(seconds.toFixed(2)),
    emailsPerSecond: Math.round(row.messages / seconds),
    workersCpu: round2((cpuAfter - cpuBefore) / seconds),
    workerCpuUsPerEmail: Math.round(((cpuAfter - cpuBefore) / row.messages) * 1e6),
    redisCpu: round2((redisAfter - redisBefore) / seconds),
    fakeCpu: round2(fake.cpuShare),
    fakeLoopDelayP99Ms: Math.round(fake.loopDelayP99Ms),
  };
}

async function runMailroute(rig: DeliveryRig, workers: number, concurrency: number): Promise<Row> {
  const messages = messagesFor(workers, concurrency);
  await rig.clear();
  await rig.loadThroughApi(messages);
  const processes = await rig.startWorkers(workers, concurrency);
  const contender: Contender = {
    done: () => rig.sentCount(),
    cpuSeconds: () => cpuOfServices(processes),
    stop: async () => void (await Promise.all(processes.map((service) => service.stop()))),
  };
  return measure(rig, { contender, release: () => rig.release(), row: { target: 'mailroute', workers, concurrency, messages }, expectedSends: messages });
}

async function runRawBull(rig: DeliveryRig, handler: RawHandler, workers: number, concurrency: number): Promise<Row> {
  const messages = messagesFor(workers, concurrency);
  await rig.clear();
  const queue = new Queue(RAW_QUEUE, rig.redisUrl);
  try {
    await queue.pause();
    await addJobs(queue, messages);
    const processes = await Promise.all(
      Array.from({ length: workers }, () =>
        RawBullWorker.start({
          redisUrl: rig.redisUrl,
          queue: RAW_QUEUE,
          concurrency,
          handler,
          delayMs: PROVIDER_DELAY_MS,
          providerUrl: rig.fake.url,
          providerKey: rig.fake.apiKey,
        }),
      ),
    );
    const contender: Contender = {
      done: async () => messages - (await remainingJobs(queue)),
      cpuSeconds: async () => processes.reduce((sum, worker) => sum + worker.cpuSeconds, 0),
      stop: async () => void (await Promise.all(processes.map((worker) => worker.stop()))),
    };
    const row = { target: REFERENCES[handler], workers, concurrency, messages };
    return await measure(rig, { contender, release: () => queue.resume(), row, expectedSends: handler === 'sleep' ? 0 : messages });
  } finally {
    await queue.close();
  }
}

async function addJobs(queue: Queue.Queue, count: number): Promise<void> {
  for (let added = 0; added < count; added += 1000) {
    const size = Math.min(1000, count - added);
    await queue.addBulk(Array.from({ length: size }, () => ({ data: { id: randomUUID() }, opts: { removeOnComplete: true } })));
  }
}

async function remainingJobs(queue: Queue.Queue): Promise<number> {
  const counts = (await queue.getJobCounts()) as Queue.JobCounts & { paused?: number };
  return counts.waiting + counts.active + counts.delayed + (counts.paused ?? 0) + counts.failed;
}

async function cpuOfServices(services: ServiceProcess[]): Promise<number> {
  const readings = await Promise.all(services.map((service) => scrapeMetrics(service.url)));
  return readings.reduce((sum, reading) => sum + reading('process_cpu_seconds_total'), 0);
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function ratios(rows: Row[]): Record<string, number> {
  const find = (target: Target, { workers, concurrency }: Row) =>
    rows.find((row) => row.target === target && row.workers === workers && row.concurrency === concurrency)!;
  return Object.fromEntries(
    rows
      .filter((row) => row.target === 'mailroute')
      .flatMap((row) =>
        Object.values(REFERENCES).map((reference) => [
          `mailroute / ${reference}, ${row.workers} worker(s), concurrency ${row.concurrency}`,
          row.emailsPerSecond / find(reference, row).emailsPerSecond,
        ]),
      ),
  );
}

function print(rows: Row[], shares: Record<string, number>): void {
  console.log('\n| target | workers | concurrency | messages | seconds | emails/s | worker CPU µs/email | workers CPU | Redis CPU | fake CPU | fake loop p99 ms |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    console.log(
      `| ${row.target} | ${row.workers} | ${row.concurrency} | ${row.messages} | ${row.seconds} | ${row.emailsPerSecond} | ${row.workerCpuUsPerEmail} | ` +
        `${row.workersCpu} | ${row.redisCpu} | ${row.fakeCpu} | ${row.fakeLoopDelayP99Ms} |`,
    );
  }
  console.log('\n| ratio | value |\n| --- | --- |');
  for (const [name, value] of Object.entries(shares)) console.log(`| ${name} | ${(value * 100).toFixed(0)}% |`);
}

async function main(): Promise<void> {
  const rig = await DeliveryRig.start(PROVIDER_DELAY_MS, process.env.ENTRY);
  try {
    const rows: Row[] = [];
    for (const workers of WORKER_COUNTS) {
      for (const concurrency of CONCURRENCIES) {
        // Side by side, so that load from elsewhere on the machine hits all of them alike.
        rows.push(await runMailroute(rig, workers, concurrency));
        for (const handler of Object.keys(REFERENCES) as RawHandler[]) rows.push(await runRawBull(rig, handler, workers, concurrency));
        console.log(rows.slice(-4).map((row) => `${row.target} ${row.workers}x${row.concurrency}: ${row.emailsPerSecond}/s`).join('; '));
      }
    }
    const shares = ratios(rows);
    print(rows, shares);
    saveResults('delivery', { providerDelayMs: PROVIDER_DELAY_MS, maxMessagesPerRun: MESSAGES, rows, ratios: shares });
  } finally {
    await rig.stop();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
