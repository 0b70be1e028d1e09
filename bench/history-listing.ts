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
import { DatabaseConnection, HistoryPartitions, HistoryQuery, HistoryReader, HistoryTables } from '../src/database/database.module';
import { ThrowawayPostgres } from '../test/support/postgres';
import { saveResults } from './results-file';

const MESSAGES = 1_000_000;
const DAYS = 30;
const DAY_MS = 86_400_000;
const RUNS = 200;
/** Runs before the measured ones, as a server that has been serving has its caches and statistics loaded. */
const WARM_UP_RUNS = 20;
const LIMIT = 50;
const OWNERS = 20;
const CUSTOMERS = 200_000;
const TAGS = ['orders', 'shipping', 'password-reset', 'invoice', 'welcome', 'newsletter', 'eu', 'us', 'apac', 'vip'];
const EXPLAIN = process.argv.includes('--explain');

interface Scenario {
  name: string;
  query: (run: number) => Omit<HistoryQuery, 'limit'>;
}

const pick = <T>(values: readonly T[], run: number) => values[(run * 7919) % values.length];
const until = Date.UTC(2026, 10, 30);
const since = until - DAYS * DAY_MS;
const timeAt = (run: number) => since + ((run * 104_729_117) % (DAYS * DAY_MS));

const SCENARIOS: Scenario[] = [
  { name: 'no filter', query: () => ({}) },
  { name: 'status (failed, 3%)', query: () => ({ status: 'failed' }) },
  { name: 'status (sent, 96%)', query: () => ({ status: 'sent' }) },
  { name: 'tag', query: (run) => ({ tag: pick(TAGS, run) }) },
  { name: 'recipient', query: (run) => ({ to: `customer${(run * 7919) % CUSTOMERS}@example.net` }) },
  { name: 'sender', query: (run) => ({ from: `noreply@shop${run % OWNERS}.example.com` }) },
  { name: 'owner + status (failed)', query: (run) => ({ owner: `shop-${run % OWNERS}`, status: 'failed' }) },
  { name: 'owner + tag', query: (run) => ({ owner: `shop-${run % OWNERS}`, tag: pick(TAGS, run) }) },
  { name: 'subject words', query: (run) => ({ subject: pick(['password reset', 'invoice', 'weekly newsletter', 'has shipp'], run) }) },
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
    await seed(db);
    console.log(`seeded ${MESSAGES} messages in ${Math.round((performance.now() - seeding) / 1000)} s`);
    await sql`vacuum analyze`.execute(db);

    const sizes = await bytesPerMessage(db);
    console.table(sizes.tables);
    console.table(sizes.indexes);

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
    saveResults('historyListing', { messages: MESSAGES, days: DAYS, limit: LIMIT, runs: RUNS, bytesPerMessage: sizes.tables, indexes: sizes.indexes, listing: rows });
  } finally {
    await db.destroy();
    await postgres.stop();
  }
}

/**
 * A day at a time, in SQL (generate_series), as the store would have written them (JSON as
 * JSON.stringify writes it): realistic sizes of
 * a transactional message (two tags, three metadata fields, one recipient), 96% sent, 3% failed, 1%
 * cancelled, three events and one attempt each.
 */
async function seed(db: Kysely<HistoryTables>): Promise<void> {
  const partitions = new HistoryPartitions(db, { days: DAYS + 1, bodyDays: 7 });
  await partitions.ensure(Array.from({ length: DAYS }, (_, day) => new Date(since + day * DAY_MS)));
  const tags = sql.lit(`{${TAGS.join(',')}}`);
  for (let day = 0; day < DAYS; day++) {
    const first = Math.floor((day * MESSAGES) / DAYS);
    const next = Math.floor(((day + 1) * MESSAGES) / DAYS);
    await sql`
      insert into messages (id, created_at, updated_at, event_count, owner, status, from_email, "from", "to", cc, bcc, recipients,
        reply_to, subject, headers, tags, metadata, attachments, send_at, provider, provider_message_id, error)
      select id, created_at, created_at + interval '1.2 s', 3, 'shop-' || shop, status,
        'noreply@shop' || shop || '.example.com',
        ('{"email":"noreply@shop' || shop || '.example.com","name":"Shop ' || shop || '"}')::json,
        ('[{"email":"customer' || customer || '@example.net","name":"Customer ' || customer || '"}]')::json,
        '[]', '[]', array['customer' || customer || '@example.net'], null,
        case g % 4 when 0 then 'Your order ' || g || ' has shipped' when 1 then 'Password reset for your account'
          when 2 then 'Invoice INV-' || g || ' is ready' else 'Weekly newsletter: issue ' || (g % 52) end,
        '{}', array[(${tags}::text[])[1 + g % 10], (${tags}::text[])[1 + (g / 10) % 10]],
        ('{"orderId":"' || g || '","customerId":"cus_' || customer || '","region":"eu-west"}')::json,
        '[]', null, 'sendgrid', md5(g::text), case when status = 'failed' then '{"type":"permanent","message":"sendgrid answered HTTP 400: invalid recipient"}'::json end
      from (
        select g, gen_random_uuid() as id, abs(hashint4(g::int)) % ${sql.lit(OWNERS)} as shop, (g * 7919) % ${sql.lit(CUSTOMERS)} as customer,
          to_timestamp((${sql.lit(since + day * DAY_MS)} + (g - ${sql.lit(first)})::bigint * ${sql.lit(DAY_MS)} / ${sql.lit(next - first)}) / 1000.0) as created_at,
          case when g % 100 < 3 then 'failed' when g % 100 = 3 then 'cancelled' else 'sent' end as status
        from generate_series(${sql.lit(first)}::bigint, ${sql.lit(next - 1)}) g
      ) m`.execute(db);
    await sql`
      insert into message_events (created_at, email_id, seq, type, at, provider, detail)
      select created_at, id, s, case s when 0 then 'queued' when 1 then 'sending' else status end,
        created_at + s * interval '0.6 s', case when s = 2 then provider end,
        case when s = 2 and status = 'failed' then error ->> 'message' end
      from messages cross join generate_series(0, 2) s
      where created_at >= to_timestamp(${sql.lit(since + day * DAY_MS)} / 1000.0) and created_at < to_timestamp(${sql.lit(since + (day + 1) * DAY_MS)} / 1000.0)`.execute(db);
    await sql`
      insert into message_attempts (created_at, email_id, seq, round, provider, started_at, duration_ms, outcome, provider_message_id, response, error)
      select created_at, id, 0, 1, provider, created_at + interval '0.6 s', 180, case when status = 'failed' then 'failed' else 'sent' end,
        provider_message_id, null, error
      from messages
      where created_at >= to_timestamp(${sql.lit(since + day * DAY_MS)} / 1000.0) and created_at < to_timestamp(${sql.lit(since + (day + 1) * DAY_MS)} / 1000.0)`.execute(db);
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
