/**
 * What the history costs where it is kept (issue 17), on the delivery rig (production bundle, one api
 * process, two worker processes at MAIL_CONCURRENCY's default, Redis with AOF, PostgreSQL with fsync,
 * the fake SendGrid answering after 20 ms):
 *
 * 1. Redis memory: STORAGE_MESSAGES (100,000) messages of a realistic size (8 KB HTML, 2 KB text, two
 *    tags, three metadata fields, one recipient) are accepted through POST /v1/emails/batch into the
 *    paused mail queue, then released to the workers. Redis `used_memory` (INFO memory) is read before,
 *    every 100 ms while loading and delivering (with the messages Redis holds then: not yet final, or
 *    final and not yet in PostgreSQL), and after delivery has drained and the history has caught up.
 * 2. PostgreSQL bytes per message: pg_total_relation_size of each history table over its partitions,
 *    divided by the messages, as written and after VACUUM FULL (the in-flight snapshots leave dead rows).
 * 3. The history writer's lag: mailroute_history_move_seconds (final → in PostgreSQL and out of Redis),
 *    the workers' histograms summed, p50/p99 interpolated within buckets as Prometheus'
 *    histogram_quantile does; with the delivery rate reached.
 * 4. Listing: STORAGE_HISTORY (1,000,000) more messages seeded into the rig's database (as
 *    bench/history-listing.ts seeds them), then GET /v1/emails with an admin key, 200 sequential
 *    requests per filter after 20 warm-up ones, p50/p99.
 *
 * Prints tables and writes the `storage` key of bench/results.json.
 *
 *   npm run bench:storage    (STORAGE_MESSAGES=100000, STORAGE_HISTORY=1000000;
 *                             ENTRY=dist/main.js runs that bundle instead of building one)
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { EnvironmentSchema } from '../src/config/environment.schema';
import { HistoryTables } from '../src/database/database.module';
import { encodeCursor } from '../src/mail/activity/email.cursor';
import { FINISHED_KEY, IN_FLIGHT_KEY } from '../src/mail/messages/message.keys';
import { newApiKey } from '../test/support/api-keys';
import { pollUntil } from '../test/support/poll';
import type { ServiceProcess } from '../test/support/service-process';
import { BenchEmail, DeliveryRig } from './delivery-rig';
import { CUSTOMERS, OWNERS, TAGS, seedHistory, timeAt } from './history-seed';
import { saveResults } from './results-file';

const MESSAGES = Number(process.env.STORAGE_MESSAGES ?? 100_000);
const HISTORY_ROWS = Number(process.env.STORAGE_HISTORY ?? 1_000_000);
const PROVIDER_DELAY_MS = 20;
const WORKERS = 2;
const CONCURRENCY = new EnvironmentSchema().MAIL_CONCURRENCY;
const SAMPLE_MS = 100;
const DRAIN_TIMEOUT_MS = 30 * 60_000;
const CATCH_UP_TIMEOUT_MS = 5 * 60_000;
const REQUESTS = 200;
/** Requests before the measured ones, as a server that has been serving has its caches and plans. */
const WARM_UP_REQUESTS = 20;
const PAGE = 50;
const EVENTS_STREAM = 'mailroute:events';
/** The mail queue's Bull keys (app.module.ts, mail.queue.ts). */
const MAIL_QUEUE_KEYS = 'mailroute:mail';
const HTML_BYTES = 8 * 1024;
const TEXT_BYTES = 2 * 1024;
const MB = 1024 * 1024;
/**
 * The listing's readers: admin keys taken in turn, as several operators' clients would, so that each
 * stays under the default API_RATE_LIMIT (50 a second) while the sequential requests go faster than that.
 */
const READERS = Array.from({ length: 10 }, (_, n) => newApiKey(`bench-reader-${n}`, 'admin'));

const WORDS = (
  'your order has shipped and will arrive within three working days thank you for shopping with us ' +
  'item quantity price total subtotal delivery address tracking number customer service returns ' +
  'within thirty days of receipt please keep this email for your records questions reply to this ' +
  'message or visit our help centre blue cotton shirt size medium leather wallet brown ceramic mug ' +
  'set of four running shoes gift card voucher discount applied free shipping standard express ' +
  'invoice payment received card ending visa mastercard paypal account settings unsubscribe privacy'
).split(' ');

/** `length` characters of words drawn by a small LCG from `seed`: text that compresses as prose does. */
function prose(length: number, seed: number): string {
  let state = (seed * 2_654_435_761) >>> 0;
  let text = '';
  while (text.length < length) {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    text += `${WORDS[state % WORDS.length]} `;
  }
  return text.slice(0, length);
}

function html(n: number): string {
  const [open, close] = ['<!doctype html><html><body style="font-family:Helvetica,Arial,sans-serif">', '</body></html>'];
  const paragraph = (length: number, k: number) => `<p>${prose(length - 8, n * 64 + k)}</p>\n`;
  const room = HTML_BYTES - open.length - close.length;
  const whole = Math.floor(room / 200) - 1;
  const paragraphs = Array.from({ length: whole }, (_, k) => paragraph(200, k));
  return open + paragraphs.join('') + paragraph(room - whole * 200, whole) + close;
}

/** The realistic transactional message: 8 KB HTML, 2 KB text, two tags, three metadata fields, one recipient. */
function realisticEmail(n: number): BenchEmail {
  return {
    from: { email: 'noreply@shop.example.com', name: 'Example Shop' },
    to: { email: `customer${n}@example.net`, name: `Customer ${n}` },
    subject: `Your order ${100_000 + n} has shipped`,
    html: html(n),
    text: prose(TEXT_BYTES, n * 64 + 63),
    tags: ['order-shipped', 'eu'],
    metadata: { orderId: String(100_000 + n), customerId: `cus_${n}`, region: 'eu-west' },
  };
}

interface MemorySample {
  usedBytes: number;
  /** Messages in Redis: not yet final, or final and not yet in PostgreSQL. */
  held: number;
}

/** Reads Redis memory and the messages it holds every SAMPLE_MS until stopped. */
class RedisMemorySampler {
  readonly samples: MemorySample[] = [];
  private stopped = false;
  private readonly running: Promise<void>;

  constructor(private readonly rig: DeliveryRig) {
    this.running = this.run();
  }

  async stop(): Promise<MemorySample[]> {
    this.stopped = true;
    await this.running;
    return this.samples;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.samples.push(await memorySample(this.rig));
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  }
}

async function memorySample(rig: DeliveryRig): Promise<MemorySample> {
  const results = await rig.redis.multi().info('memory').zcard(IN_FLIGHT_KEY).zcard(FINISHED_KEY).exec();
  const [info, inFlight, finished] = results!.map(([error, value]) => {
    if (error) throw error;
    return value;
  }) as [string, number, number];
  return { usedBytes: Number(/used_memory:(\d+)/.exec(info)![1]), held: inFlight + finished };
}

/**
 * Where one message's bytes are while all wait in the paused queue: MEMORY USAGE (exact, SAMPLES 0) of
 * its own keys and its Bull job, and its share of the keys all messages share. What is left of the
 * measured bytes per message is the keyspace's own entries and the allocator's rounding.
 */
async function perMessageBreakdown(rig: DeliveryRig): Promise<Record<string, number>> {
  const usage = async (key: string) => Number((await rig.redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  const [id] = await rig.redis.zrange(IN_FLIGHT_KEY, 0, 0);
  const [jobId] = await rig.redis.lrange(`${MAIL_QUEUE_KEYS}:paused`, 0, 0);
  const own: string[] = [];
  for await (const keys of rig.redis.scanStream({ match: `mailroute:email:${id}*`, count: 10_000 })) own.push(...(keys as string[]));
  const held = await rig.redis.zcard(IN_FLIGHT_KEY);
  const breakdown: Record<string, number> = {};
  for (const key of own.sort()) breakdown[key.replace(id, '{id}')] = await usage(key);
  breakdown[`${MAIL_QUEUE_KEYS}:{job}`] = await usage(`${MAIL_QUEUE_KEYS}:${jobId}`);
  for (const shared of [IN_FLIGHT_KEY, EVENTS_STREAM, `${MAIL_QUEUE_KEYS}:paused`]) breakdown[`${shared} (share)`] = Math.round((await usage(shared)) / held);
  return breakdown;
}

interface RedisFigures {
  messageJsonBytes: number;
  beforeMb: number;
  peakMb: number;
  /** Messages Redis held at the peak sample. */
  heldAtPeak: number;
  peakBytesPerMessage: number;
  /** Peak bytes per message minus the JSON size of one message: the goal is at most 1,024. */
  overheadBytesPerMessage: number;
  afterMb: number;
  afterMinusBeforeMb: number;
  eventsStreamLengthAfter: number;
  samples: number;
  /** MEMORY USAGE per message, with the whole backlog waiting. */
  breakdownBytes: Record<string, number>;
}

interface DeliveryFigures {
  acceptSeconds: number;
  acceptedPerSecond: number;
  deliverySeconds: number;
  deliveredPerSecond: number;
  /** From release until the last message left Redis for PostgreSQL. */
  drainedAndMovedSeconds: number;
  moveP50Seconds: number;
  moveP99Seconds: number;
  moveMeanSeconds: number;
  movedCounted: number;
}

/** Accepts, delivers and moves the messages; Redis memory throughout, and the writer's lag from the workers. */
async function deliver(rig: DeliveryRig): Promise<{ redis: RedisFigures; delivery: DeliveryFigures }> {
  await rig.pause();
  const workers = await rig.startWorkers(WORKERS, CONCURRENCY);
  try {
    const before = await memorySample(rig);
    const sampler = new RedisMemorySampler(rig);
    const loading = performance.now();
    await rig.loadThroughApi(MESSAGES, realisticEmail);
    const acceptSeconds = (performance.now() - loading) / 1000;
    console.log(`accepted ${MESSAGES} in ${acceptSeconds.toFixed(1)} s; delivering`);
    const breakdownBytes = await perMessageBreakdown(rig);
    const released = performance.now();
    await rig.release();
    await pollUntil(() => rig.sentCount(), (sent) => sent === MESSAGES, { timeoutMs: DRAIN_TIMEOUT_MS, intervalMs: SAMPLE_MS });
    const deliverySeconds = (performance.now() - released) / 1000;
    console.log(`delivered in ${deliverySeconds.toFixed(1)} s; waiting for the history to catch up`);
    await pollUntil(() => caughtUp(rig), (done) => done, { timeoutMs: CATCH_UP_TIMEOUT_MS, intervalMs: SAMPLE_MS });
    const drainedAndMovedSeconds = (performance.now() - released) / 1000;
    const samples = await sampler.stop();
    const after = await memorySample(rig);
    const move = await moveHistogram(workers);
    const peak = samples.reduce((highest, sample) => (sample.usedBytes > highest.usedBytes ? sample : highest));
    const messageJsonBytes = Buffer.byteLength(JSON.stringify(realisticEmail(Math.floor(MESSAGES / 2))));
    const peakBytesPerMessage = Math.round((peak.usedBytes - before.usedBytes) / peak.held);
    return {
      redis: {
        messageJsonBytes,
        beforeMb: mb(before.usedBytes),
        peakMb: mb(peak.usedBytes),
        heldAtPeak: peak.held,
        peakBytesPerMessage,
        overheadBytesPerMessage: peakBytesPerMessage - messageJsonBytes,
        afterMb: mb(after.usedBytes),
        afterMinusBeforeMb: mb(after.usedBytes - before.usedBytes),
        eventsStreamLengthAfter: await rig.redis.xlen(EVENTS_STREAM),
        samples: samples.length,
        breakdownBytes,
      },
      delivery: {
        acceptSeconds: round(acceptSeconds),
        acceptedPerSecond: Math.round(MESSAGES / acceptSeconds),
        deliverySeconds: round(deliverySeconds),
        deliveredPerSecond: Math.round(MESSAGES / deliverySeconds),
        drainedAndMovedSeconds: round(drainedAndMovedSeconds),
        moveP50Seconds: round3(histogramQuantile(0.5, move.buckets)),
        moveP99Seconds: round3(histogramQuantile(0.99, move.buckets)),
        moveMeanSeconds: round3(move.sum / move.count),
        movedCounted: move.count,
      },
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

/** Every job done, no final message left in Redis, and the event stream trimmed of what the writer handled. */
async function caughtUp(rig: DeliveryRig): Promise<boolean> {
  const [finished, jobs, stream] = await Promise.all([rig.redis.zcard(FINISHED_KEY), rig.unfinishedJobs(), rig.redis.xlen(EVENTS_STREAM)]);
  return finished === 0 && jobs === 0 && stream === 0;
}

interface Histogram {
  /** Upper bound → cumulative count, ascending, +Inf last. */
  buckets: [number, number][];
  sum: number;
  count: number;
}

/** mailroute_history_move_seconds of every worker, summed bucket by bucket. */
async function moveHistogram(workers: ServiceProcess[]): Promise<Histogram> {
  const name = 'mailroute_history_move_seconds';
  const texts = await Promise.all(workers.map(async (worker) => (await fetch(`${worker.url}/metrics`)).text()));
  const counts = new Map<number, number>();
  let sum = 0;
  let count = 0;
  for (const line of texts.flatMap((text) => text.split('\n'))) {
    const bucket = new RegExp(`^${name}_bucket\\{.*le="([^"]+)".*\\} (\\S+)$`).exec(line);
    if (bucket) {
      const le = bucket[1] === '+Inf' ? Infinity : Number(bucket[1]);
      counts.set(le, (counts.get(le) ?? 0) + Number(bucket[2]));
    }
    if (line.startsWith(`${name}_sum`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(`${name}_count`)) count += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return { buckets: [...counts.entries()].sort(([a], [b]) => a - b), sum, count };
}

/**
 * As Prometheus' histogram_quantile: the bucket the rank falls in, interpolated linearly between its
 * bounds (0 below the first); a rank in the +Inf bucket gives the highest finite bound.
 */
function histogramQuantile(q: number, buckets: [number, number][]): number {
  const total = buckets.at(-1)![1];
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [upperBound, cumulative] of buckets) {
    if (cumulative >= rank) {
      if (upperBound === Infinity) return lowerBound;
      return lowerBound + ((upperBound - lowerBound) * (rank - lowerCount)) / (cumulative - lowerCount);
    }
    [lowerBound, lowerCount] = [upperBound, cumulative];
  }
  return lowerBound;
}

interface TableSize {
  table: string;
  bytesAsWritten: number;
  bytesAfterVacuumFull: number;
}

/** Bytes per message of each history table with its indexes and TOAST, summed over its partitions. */
async function postgresBytes(db: Kysely<HistoryTables>, messages: number): Promise<TableSize[]> {
  const tables = ['messages', 'message_events', 'message_attempts', 'message_bodies'];
  const sizes = async () => {
    const bytes: number[] = [];
    for (const table of tables) {
      const { rows } = await sql<{ bytes: string }>`
        select coalesce(sum(pg_total_relation_size(relid)), 0) as bytes from pg_partition_tree(${table}::regclass)`.execute(db);
      bytes.push(Number(rows[0].bytes));
    }
    return bytes;
  };
  const asWritten = await sizes();
  await sql`vacuum full`.execute(db);
  const compacted = await sizes();
  const rows = tables.map((table, i) => ({
    table,
    bytesAsWritten: Math.round(asWritten[i] / messages),
    bytesAfterVacuumFull: Math.round(compacted[i] / messages),
  }));
  const history = rows.filter(({ table }) => table !== 'message_bodies');
  return [
    ...rows,
    {
      table: 'metadata + attempts + events',
      bytesAsWritten: history.reduce((total, row) => total + row.bytesAsWritten, 0),
      bytesAfterVacuumFull: history.reduce((total, row) => total + row.bytesAfterVacuumFull, 0),
    },
  ];
}

interface Scenario {
  name: string;
  query: (run: number) => Record<string, string>;
}

const pick = <T>(values: readonly T[], run: number) => values[(run * 7919) % values.length];
const iso = (ms: number) => new Date(ms).toISOString();

const SCENARIOS: Scenario[] = [
  { name: 'no filter', query: () => ({}) },
  { name: 'status=failed (3%)', query: () => ({ status: 'failed' }) },
  { name: 'tag', query: (run) => ({ tag: pick(TAGS, run) }) },
  { name: 'to', query: (run) => ({ to: `customer${(run * 7919) % CUSTOMERS}@example.net` }) },
  { name: 'from', query: (run) => ({ from: `noreply@shop${run % OWNERS}.example.com` }) },
  { name: 'subject word', query: (run) => ({ subject: pick(['password', 'invoice', 'newsletter', 'shipped'], run) }) },
  { name: 'since/until (1 h)', query: (run) => ({ since: iso(timeAt(run)), until: iso(timeAt(run) + 3_600_000) }) },
  { name: 'deep page (cursor)', query: (run) => ({ cursor: encodeCursor({ createdAt: timeAt(run), id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }) }) },
];

interface ListingRow {
  scenario: string;
  p50Ms: number;
  p99Ms: number;
  rowsPerPage: number;
}

/** GET /v1/emails per scenario, sequential requests to the api process, timed from send to body read. */
async function listing(rig: DeliveryRig): Promise<ListingRow[]> {
  const rows: ListingRow[] = [];
  for (const scenario of SCENARIOS) {
    const latencies: number[] = [];
    let found = 0;
    for (let run = -WARM_UP_REQUESTS; run < REQUESTS; run++) {
      // Warm-up requests ask for other values than the measured ones: no measured request repeats one.
      const variant = run < 0 ? REQUESTS - run : run;
      const query = new URLSearchParams({ ...scenario.query(variant), limit: String(PAGE) }).toString();
      const started = performance.now();
      const response = await fetch(`${rig.api.url}/v1/emails?${query}`, { headers: { Authorization: READERS[(run + WARM_UP_REQUESTS) % READERS.length].bearer } });
      const body = (await response.json()) as { data: unknown[] };
      const elapsed = performance.now() - started;
      if (response.status !== 200) throw new Error(`${scenario.name}: GET /v1/emails?${query} answered ${response.status}: ${JSON.stringify(body)}`);
      if (run < 0) continue;
      latencies.push(elapsed);
      found += body.data.length;
    }
    latencies.sort((a, b) => a - b);
    rows.push({ scenario: scenario.name, p50Ms: round(percentile(latencies, 0.5)), p99Ms: round(percentile(latencies, 0.99)), rowsPerPage: round(found / REQUESTS) });
  }
  return rows;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const round = (value: number) => Math.round(value * 10) / 10;
const round3 = (value: number) => Math.round(value * 1000) / 1000;
const mb = (bytes: number) => round(bytes / MB);
const load = () => loadavg().map(round);

async function main(): Promise<void> {
  const loadAtStart = load();
  const rig = await DeliveryRig.start(PROVIDER_DELAY_MS, process.env.ENTRY, {
    keys: READERS.map(({ entry }) => entry),
  });
  const pool = new Pool({ connectionString: rig.databaseUrl, max: 2 });
  const db = new Kysely<HistoryTables>({ dialect: new PostgresDialect({ pool }) });
  try {
    const { redis, delivery } = await deliver(rig);
    const loadAfterDelivery = load();
    console.table([{ ...redis, breakdownBytes: undefined }]);
    console.table(redis.breakdownBytes);
    console.table([delivery]);
    const postgres = await postgresBytes(db, MESSAGES);
    console.table(postgres);

    const seeding = performance.now();
    await seedHistory(db, HISTORY_ROWS);
    await sql`vacuum analyze`.execute(db);
    console.log(`seeded ${HISTORY_ROWS} more messages in ${Math.round((performance.now() - seeding) / 1000)} s`);
    const list = await listing(rig);
    console.table(list);
    const loadAtEnd = load();
    console.log(`load average (1, 5, 15 min): at start ${loadAtStart.join(' ')}, after delivery ${loadAfterDelivery.join(' ')}, at end ${loadAtEnd.join(' ')}`);
    saveResults('storage', {
      messages: MESSAGES,
      historyRows: HISTORY_ROWS + MESSAGES,
      workers: WORKERS,
      concurrency: CONCURRENCY,
      providerDelayMs: PROVIDER_DELAY_MS,
      loadAverage: { atStart: loadAtStart, afterDelivery: loadAfterDelivery, atEnd: loadAtEnd },
      redis,
      delivery,
      postgresBytesPerMessage: postgres,
      listing: { requests: REQUESTS, limit: PAGE, rows: list },
    });
  } finally {
    await db.destroy();
    await rig.stop();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
