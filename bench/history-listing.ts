/**
 * The history's cost in PostgreSQL (issue 17): a million messages over 30 days, each with three events
 * and one attempt, seeded into a throwaway PostgreSQL with fsync on; then the bytes each message costs
 * (tables and their indexes, bodies apart) and HistoryReader.list's latency, p50/p99 over 200 runs, for
 * each filter the API offers. `--explain` prints each scenario's plan once (EXPLAIN ANALYZE), which is
 * how the listing's indexes were chosen.
 * Run: npm run bench:history-listing (add `-- --explain` for the plans).
 */
import { performance } from 'node:perf_hooks';
import { Kysely, LogEvent, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { loadConfig } from '../src/config/config.module';
import { DatabaseConnection, HistoryQuery, HistoryReader, HistoryTables } from '../src/database/database.module';
import { ThrowawayPostgres } from '../test/support/postgres';
import { BUSY_DAY_TAGS, CUSTOMERS, DAYS, OWNERS, TAGS, seedBusyDay, seedHistory, timeAt } from './history-seed';
import { saveResults } from './results-file';

const MESSAGES = Number(process.env.HISTORY_MESSAGES ?? 1_000_000);
/** The newest day's messages, beyond MESSAGES: a busy day (bench:storage delivers 100,000 in one). */
const BUSY_DAY_MESSAGES = Number(process.env.HISTORY_BUSY_DAY ?? 100_000);
const RUNS = 200;
/** Runs before the measured ones, as a server that has been serving has its caches and statistics loaded. */
const WARM_UP_RUNS = 20;
const LIMIT = 50;
const EXPLAIN = process.argv.includes('--explain');

interface Scenario {
  name: string;
  query: (run: number) => Omit<HistoryQuery, 'limit'>;
}

const pick = <T>(values: readonly T[], run: number) => values[(run * 7919) % values.length];

const SCENARIOS: Scenario[] = [
  { name: 'no filter', query: () => ({}) },
  { name: 'status (failed, 3%)', query: () => ({ status: 'failed' }) },
  { name: 'status (sent, 96%)', query: () => ({ status: 'sent' }) },
  { name: 'tag (none of the busy day)', query: (run) => ({ tag: pick(TAGS, run) }) },
  { name: 'tag (all of the busy day)', query: (run) => ({ tag: pick(BUSY_DAY_TAGS, run) }) },
  { name: 'recipient', query: (run) => ({ to: `customer${(run * 7919) % CUSTOMERS}@example.net` }) },
  { name: 'sender', query: (run) => ({ from: `noreply@shop${run % OWNERS}.example.com` }) },
  { name: 'owner + status (failed)', query: (run) => ({ owner: `shop-${run % OWNERS}`, status: 'failed' }) },
  { name: 'owner + tag', query: (run) => ({ owner: `shop-${run % OWNERS}`, tag: pick(TAGS, run) }) },
  { name: 'subject words', query: (run) => ({ subject: pick(['password reset', 'invoice', 'weekly newsletter', 'has shipp'], run) }) },
  { name: 'subject, a word of every busy-day subject', query: (run) => ({ subject: pick(['shipped', 'has shipp', 'your order'], run) }) },
  { name: 'subject, rare word', query: (run) => ({ subject: `order ${100_000 + ((run * 7919) % 900_000)}` }) },
  { name: 'time range (1 h)', query: (run) => ({ since: timeAt(run), until: timeAt(run) + 3_600_000 }) },
  { name: 'deep page (cursor)', query: () => ({}) },
  { name: 'owner, deep page', query: (run) => ({ owner: `shop-${run % OWNERS}` }) },
];
const DEEP = new Set(['deep page (cursor)', 'owner, deep page']);

async function main(): Promise<void> {
  const postgres = await ThrowawayPostgres.start({ fsync: true });
  const url = await postgres.createDatabase();
  const connection = await DatabaseConnection.open(loadConfig({ DATABASE_URL: url }));
  await connection.onApplicationShutdown();
  const sent: LogEvent['query'][] = [];
  const pool = new Pool({ connectionString: url, max: 4 });
  const db = new Kysely<HistoryTables>({ dialect: new PostgresDialect({ pool }), log: (event) => void (EXPLAIN && sent.push(event.query)) });
  try {
    const seeding = performance.now();
    await seedHistory(db, MESSAGES);
    await sql`vacuum analyze`.execute(db);
    const sizes = await bytesPerMessage(db);
    console.table(sizes.tables);
    console.table(sizes.indexes);
    await seedBusyDay(db, BUSY_DAY_MESSAGES);
    await sql`vacuum analyze`.execute(db);
    console.log(`seeded ${MESSAGES} messages and a busy day of ${BUSY_DAY_MESSAGES} in ${Math.round((performance.now() - seeding) / 1000)} s`);

    const reader = new HistoryReader(db);
    const rows: Record<string, string | number>[] = [];
    for (const scenario of SCENARIOS) {
      const latencies: number[] = [];
      let found = 0;
      for (let run = -WARM_UP_RUNS; run < RUNS; run++) {
        // Warm-up runs ask for other values than the measured ones: no measured query repeats one.
        const variant = run < 0 ? RUNS - run : run;
        const query: HistoryQuery = { ...scenario.query(variant), limit: LIMIT };
        if (DEEP.has(scenario.name)) query.after = { createdAt: timeAt(variant), id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };
        sent.length = 0;
        const started = performance.now();
        const page = await reader.list(query);
        if (run < 0) continue;
        latencies.push(performance.now() - started);
        found += page.records.length;
        if (EXPLAIN && run === 0) for (const each of [...sent]) await explain(pool, scenario.name, each);
      }
      latencies.sort((a, b) => a - b);
      rows.push({ scenario: scenario.name, 'p50 ms': round(percentile(latencies, 0.5)), 'p99 ms': round(percentile(latencies, 0.99)), 'rows/page': round(found / RUNS) });
    }
    console.table(rows);
    saveResults('historyListing', { messages: MESSAGES, busyDay: BUSY_DAY_MESSAGES, days: DAYS, limit: LIMIT, runs: RUNS, bytesPerMessage: sizes.tables, indexes: sizes.indexes, listing: rows });
  } finally {
    await db.destroy();
    await postgres.stop();
  }
}

async function bytesPerMessage(db: Kysely<HistoryTables>) {
  const total = async (relation: string) => {
    const { rows } = await sql<{ bytes: string }>`select coalesce(sum(pg_total_relation_size(relid)), 0) as bytes from pg_partition_tree(${relation}::regclass)`.execute(db);
    return Number(rows[0].bytes);
  };
  const onlyTable = async (relation: string) => {
    const { rows } = await sql<{ bytes: string }>`select coalesce(sum(pg_table_size(relid)), 0) as bytes from pg_partition_tree(${relation}::regclass)`.execute(db);
    return Number(rows[0].bytes);
  };
  const tables = [];
  for (const table of ['messages', 'message_events', 'message_attempts']) {
    const all = await total(table);
    tables.push({ table, 'bytes/message (with indexes)': round(all / MESSAGES), 'of which table': round((await onlyTable(table)) / MESSAGES) });
  }
  tables.push({ table: 'total', 'bytes/message (with indexes)': round(tables.reduce((sum, row) => sum + row['bytes/message (with indexes)'], 0)), 'of which table': 0 });
  const { rows: indexNames } = await sql<{ name: string }>`
    select c.relname as name from pg_class c where c.relkind = 'I' and c.relname like 'message%' order by c.relname`.execute(db);
  const indexes = [];
  for (const { name } of indexNames) indexes.push({ index: name, 'bytes/message': round((await total(name)) / MESSAGES) });
  return { tables, indexes };
}

/** The plan PostgreSQL chose for the query the reader just sent, with the same parameters. */
async function explain(pool: Pool, name: string, query: LogEvent['query']): Promise<void> {
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, costs off, timing off, summary off) ${query.sql}`, query.parameters as unknown[]);
  console.log(`\n--- ${name}\n${rows.map((row) => row['QUERY PLAN']).join('\n')}`);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const round = (value: number) => Math.round(value * 10) / 10;

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
