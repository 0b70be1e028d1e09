import { ChaosCluster, DELIVERY } from './chaos-cluster';
import { Fault } from './fault-schedule';
import { Progress } from './progress';
import { DOWN, flakyProvider } from './provider-faults';
import { SeededRandom } from './seeded-random';

export const WORKER_KILL = 'worker SIGKILL, replaced';
const REDIS_RESTART = 'redis SIGTERM, restarted';
const REDIS_CRASH = 'redis SIGKILL, restarted';
const POSTGRES_STOP = 'postgres fast shutdown, restarted';
const POSTGRES_CRASH = 'postgres SIGKILL, restarted';
export const PRIMARY_DOWN = 'sendgrid down (503)';
export const PRIMARY_BACK = 'sendgrid back (flaky)';

/** A worker is killed about this often while the clients send at their rate. */
const SECONDS_BETWEEN_KILLS = 4;
/**
 * Redis stays down until the clients have felt it for a while: this many requests without a 202. That
 * is several seconds, as a real restart (loading a large AOF) or a failover takes, and longer than
 * mailroute's own timeouts on Redis writes, so that writes which outlive them are part of the test.
 */
const OUTAGE_FAILED_REQUESTS = 200;
/**
 * PostgreSQL stays down while the clients issue this share of the messages: the accept path does not
 * notice it, so the clients cannot tell how long it has been, and a window in messages rather than
 * seconds makes the backlog the writer must catch up on a fixed share of any run (4 s at the default
 * 2,000 messages at 50/s, 50 s in `npm run test:chaos`).
 */
const POSTGRES_OUTAGE_SHARE = 0.1;

/**
 * What goes wrong, and when, as a share of the messages issued: a worker SIGKILLed every few seconds
 * (and replaced at once), Redis stopped cleanly at 30% and killed hard at 60% (each time down until the
 * clients have been refused for a while, then started again on the same port and data), PostgreSQL
 * stopped cleanly at 20% (down while the clients issue another 10%) and killed hard at 70% (started
 * again at once: its crash recovery is the outage), and SendGrid, the primary, answering 503 to
 * everything from 40% to 55% (with flaky answers before and after).
 */
export function chaosFaults(
  cluster: ChaosCluster,
  progress: Progress,
  { messages, rate, random, primaryRandom }: { messages: number; rate: number; random: SeededRandom; primaryRandom: SeededRandom },
): Fault[][] {
  const mark = (share: number) => Math.round(messages * share);
  const downUntilFelt = () => progress.reach('failedRequests', progress.value('failedRequests') + OUTAGE_FAILED_REQUESTS);

  const killEvery = Math.max(20, Math.round(rate * SECONDS_BETWEEN_KILLS));
  const kills: Fault[] = [];
  for (let at = killEvery; at <= mark(0.95); at += killEvery) {
    kills.push({ at, name: WORKER_KILL, run: () => cluster.replaceWorker(random.int(0, DELIVERY.workers - 1)) });
  }
  const redis: Fault[] = [
    { at: mark(0.3), name: REDIS_RESTART, run: () => cluster.interruptRedis('SIGTERM', downUntilFelt) },
    { at: mark(0.6), name: REDIS_CRASH, run: () => cluster.interruptRedis('SIGKILL', downUntilFelt) },
  ];
  const postgresDownUntil = () => progress.reach('issued', progress.value('issued') + mark(POSTGRES_OUTAGE_SHARE));
  const postgres: Fault[] = [
    { at: mark(0.2), name: POSTGRES_STOP, run: () => cluster.interruptPostgres('SIGINT', postgresDownUntil) },
    { at: mark(0.7), name: POSTGRES_CRASH, run: () => cluster.interruptPostgres('SIGKILL', async () => undefined) },
  ];
  const primary: Fault[] = [
    { at: mark(0.4), name: PRIMARY_DOWN, run: async () => cluster.sendgrid.answerAlways(DOWN) },
    { at: mark(0.55), name: PRIMARY_BACK, run: async () => cluster.sendgrid.answerAlways(flakyProvider(primaryRandom)) },
  ];
  return [kills, redis, postgres, primary];
}
