/**
 * Failover simulation: thousands of messages through the real app (HTTP, Redis, Bull processor,
 * routing) against two simulated providers, for each outage pattern and routing strategy, next to the
 * naive baseline (always try in MAIL_PROVIDERS order, no circuit breaker). Prints a table.
 *
 *   npm run bench:failover            (MESSAGES=2000 per cell by default)
 */
import { ThrowawayPostgres } from '../test/support/postgres';
import { ThrowawayRedis } from '../test/support/redis';
import { TestApp } from '../test/support/test-app';
import { Pattern, SimulatedProvider } from './simulated.provider';

const MESSAGES = Number(process.env.MESSAGES ?? 2000);
const POST_EVERY_MS = 2;
const HEALTHY_MS = 20;
/** A dead provider costs a timeout-like wait before it fails. */
const DEAD_MS = 60;

const healthy: Pattern = () => ({ ok: true, latencyMs: HEALTHY_MS });
const runMs = MESSAGES * POST_EVERY_MS;

const scenarios: Record<string, Pattern> = {
  'hard down 20%-70% of the run': (t) =>
    t > runMs * 0.2 && t < runMs * 0.7 ? { ok: false, latencyMs: DEAD_MS } : { ok: true, latencyMs: HEALTHY_MS },
  '30% random errors': (_t, random) => ({ ok: random() >= 0.3, latencyMs: HEALTHY_MS }),
  'slow (300 ms answers)': () => ({ ok: true, latencyMs: 300 }),
  'flapping (down 1 s in every 2 s)': (t) =>
    Math.floor(t / 1000) % 2 === 1 ? { ok: false, latencyMs: DEAD_MS } : { ok: true, latencyMs: HEALTHY_MS },
};

const strategies: Record<string, Record<string, string>> = {
  'naive in-order': { MAIL_ROUTING: 'priority', MAIL_BREAKER_THRESHOLD: '1000' },
  priority: { MAIL_ROUTING: 'priority' },
  weighted: { MAIL_ROUTING: 'weighted', MAIL_WEIGHTS: 'alpha:3,beta:1' },
  score: { MAIL_ROUTING: 'score', MAIL_SCORE_RECOVERY_MS: '2000' },
};

interface Row {
  scenario: string;
  strategy: string;
  sent: number;
  delivered: number;
  attemptsPerMessage: string;
  p50Ms: number;
  p99Ms: number;
  wastedCalls: number;
}

/** A repeatable random sequence, so every strategy faces the same errors. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1664525 + 1013904223) % 2 ** 32;
    return seed / 2 ** 32;
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function runCell(redis: ThrowawayRedis, postgres: ThrowawayPostgres, scenario: string, strategy: string): Promise<Row> {
  await redis.flush();
  // Each cell starts on an empty history, as on an empty Redis.
  const databaseUrl = await postgres.createDatabase();
  const alpha = new SimulatedProvider('alpha', scenarios[scenario], seeded(7));
  const beta = new SimulatedProvider('beta', healthy, seeded(11));
  const app = await TestApp.start({
    redisUrl: redis.url,
    databaseUrl,
    extraProviders: [alpha, beta],
    // 500 messages a second come from this many clients, each under the default API_RATE_LIMIT.
    callers: 20,
    env: {
      MAIL_PROVIDERS: 'outbox',
      MAIL_CONCURRENCY: '50',
      MAIL_BREAKER_COOLDOWN_MS: '500',
      MAIL_RETRY_BASE_MS: '100',
      MAIL_MAX_ATTEMPTS: '10',
      OUTBOX_RATE_LIMIT: '0',
      ...strategies[strategy],
    },
  });
  // The outbox is configured only because MAIL_PROVIDERS needs one name; it is switched off here.
  await app.http.post('/v1/providers/outbox/disable').expect(200);
  try {
    alpha.restartClock();
    beta.restartClock();
    const postedAt = new Map<string, number>();
    const posts: Promise<void>[] = [];
    for (let i = 0; i < MESSAGES; i += 1) {
      posts.push(
        app.send({ from: 'bench@example.com', to: 'ann@example.com', subject: `m${i}`, text: 'x' }).then((res) => {
          if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
          postedAt.set((res.body as { id: string }).id, Date.now());
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, POST_EVERY_MS));
    }
    await Promise.all(posts);
    const deadline = Date.now() + 120_000;
    while (alpha.acceptedAt.size + beta.acceptedAt.size < MESSAGES && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const latencies = [...postedAt].map(([id, at]) => (alpha.acceptedAt.get(id) ?? beta.acceptedAt.get(id) ?? Infinity) - at);
    latencies.sort((a, b) => a - b);
    const delivered = await countSent(app, [...postedAt.keys()]);
    return {
      scenario,
      strategy,
      sent: MESSAGES,
      delivered,
      attemptsPerMessage: ((alpha.calls + beta.calls) / MESSAGES).toFixed(2),
      p50Ms: Math.round(percentile(latencies, 0.5)),
      p99Ms: Math.round(percentile(latencies, 0.99)),
      wastedCalls: alpha.failedCalls,
    };
  } finally {
    await app.close();
  }
}

/** Counts what the store says was sent: the figure that must equal what was accepted. */
async function countSent(app: TestApp, ids: string[]): Promise<number> {
  let sent = 0;
  for (const id of ids) if (((await app.http.get(`/v1/emails/${id}`)).body as { status: string }).status === 'sent') sent += 1;
  return sent;
}

async function main(): Promise<void> {
  const [redis, postgres] = await Promise.all([ThrowawayRedis.start(), ThrowawayPostgres.start()]);
  const rows: Row[] = [];
  try {
    for (const scenario of Object.keys(scenarios)) {
      for (const strategy of Object.keys(strategies)) {
        const row = await runCell(redis, postgres, scenario, strategy);
        rows.push(row);
        console.error(`${scenario} / ${strategy}: ${row.delivered}/${row.sent} delivered`);
      }
    }
  } finally {
    await Promise.all([redis.stop(), postgres.stop()]);
  }
  printTable(rows);
  const lost = rows.filter((row) => row.delivered !== row.sent);
  if (lost.length > 0) {
    console.error(`FAILED: ${lost.length} cells delivered fewer messages than were accepted`);
    process.exitCode = 1;
  }
}

function printTable(rows: Row[]): void {
  const header = ['scenario', 'strategy', 'sent', 'delivered', 'attempts/msg', 'p50 ms', 'p99 ms', 'wasted calls'];
  const lines = rows.map((r) => [r.scenario, r.strategy, r.sent, r.delivered, r.attemptsPerMessage, r.p50Ms, r.p99Ms, r.wastedCalls]);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const line of lines) console.log(`| ${line.join(' | ')} |`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
