import { ChaosCluster, PostgresOutage, RedisOutage } from './chaos-cluster';
import { planRequests, replayKeyed, RequestResult, runTraffic } from './chaos-client';
import { chaosFaults, PRIMARY_BACK, PRIMARY_DOWN, WORKER_KILL } from './chaos-faults';
import { FaultRecord, FaultSchedule } from './fault-schedule';
import { awaitFinalStatuses } from './final-statuses';
import { HistoryReconciliation, reconcileHistory } from './history-reconciliation';
import { LossyProxy } from './lossy-proxy';
import { Progress } from './progress';
import { flakyProvider } from './provider-faults';
import { Reconciliation, duplicateBound, receivedSends, reconcile, summaryTable } from './reconciliation';
import { SeededRandom } from './seeded-random';
import { diagnoseStuck } from './stuck-message-diagnosis';

export interface ChaosSettings {
  /** CHAOS_MESSAGES: messages in the run (2,000 in `npm test`, 50,000 in `npm run test:chaos`). */
  messages: number;
  /** CHAOS_SEED: replays the draws of a run (provider answers, which worker is killed); printed. */
  seed: number;
  /** CHAOS_RATE: messages per second the clients send. */
  rate: number;
  /** Concurrent clients. */
  clients: number;
}

export function chaosSettings(env: NodeJS.ProcessEnv = process.env): ChaosSettings {
  return {
    messages: positive(env.CHAOS_MESSAGES, 2_000),
    seed: Math.trunc(positive(env.CHAOS_SEED, SeededRandom.newSeed())),
    rate: positive(env.CHAOS_RATE, 50),
    clients: 20,
  };
}

/** Long enough for the traffic at its rate, the faults, the drain and the history's catch-up, on a loaded 2-core machine. */
export function chaosTimeoutMs(settings: ChaosSettings): number {
  return 240_000 + Math.ceil((settings.messages / settings.rate) * 1000) * 2 + historyCatchUpMs(settings);
}

/** The history writers move hundreds of messages a second; this leaves them a wide margin. */
const historyCatchUpMs = ({ messages }: ChaosSettings) => 60_000 + messages * 5;

/** Share of the api's answers cut off on their way back to the client. */
const LOST_API_ANSWERS = 0.02;

export interface ChaosReport {
  settings: ChaosSettings;
  reconciliation: Reconciliation;
  /** The history in PostgreSQL against the API's final messages, after the history writers caught up. */
  history: HistoryReconciliation;
  duplicateBound: number;
  /** Keyed requests that, sent again after the run, got other ids than their 202. */
  idempotencyMismatches: string[];
  /** For unfinished messages: their timeline and Bull job state. */
  diagnosis: string[];
  summary: string;
}

/**
 * The whole run: flaky providers, the traffic (through a hop that loses some answers) with the faults
 * scheduled on it, then, with every fault over (Redis and PostgreSQL up, providers healthy, both workers
 * up), the keyed requests replayed, every accepted message awaited until it is sent or failed, the
 * clients', the store's and the providers' records reconciled, and, once the history writers have caught
 * up, PostgreSQL's history against the store's final messages.
 */
export async function runChaos(cluster: ChaosCluster, settings: ChaosSettings): Promise<ChaosReport> {
  const random = (stream: number) => new SeededRandom(settings.seed + stream);
  cluster.sendgrid.answerAlways(flakyProvider(random(1)));
  cluster.mailgun.answerAlways(flakyProvider(random(2)));
  const progress = new Progress();
  const schedule = new FaultSchedule(progress, chaosFaults(cluster, progress, { ...settings, random: random(3), primaryRandom: random(4) }));

  const started = Date.now();
  const proxy = await LossyProxy.start(cluster.api.url, random(5), LOST_API_ANSWERS);
  const results = await trafficUnderFaults(proxy.url, settings, progress, schedule).finally(() => proxy.close());
  const trafficDone = Date.now();
  cluster.sendgrid.answerAlways('accept');
  cluster.mailgun.answerAlways('accept');

  const idempotencyMismatches = await replayKeyed(cluster.api.url, results, settings.clients);
  const acceptedIds = results.flatMap((result) => result.ids);
  const store = await awaitFinalStatuses(cluster.api.url, acceptedIds, 60_000 + settings.messages * 2);
  const drained = Date.now();
  const diagnosis = await diagnoseStuck(cluster.api.url, cluster.redisUrl, store.unfinished.slice(0, 20).map(({ id }) => id));
  const history = await reconcileHistory(cluster, store.final, historyCatchUpMs(settings));

  const received = receivedSends(cluster.sendgrid, cluster.mailgun);
  const reconciliation = reconcile(results, store, received, cluster.redisOutages);
  const faults = {
    workerKills: schedule.count(WORKER_KILL),
    redisFaults: cluster.redisOutages.length,
    lostAnswers: received.filter((send) => send.kind === 'lost answer').length,
  };
  const bound = duplicateBound(faults);
  const summary = summaryTable(
    `chaos run: seed ${settings.seed}, ${settings.messages} messages at ${settings.rate}/s from ${settings.clients} clients; ` +
      `traffic ${seconds(trafficDone - started)} s, drain ${seconds(drained - trafficDone)} s`,
    {
      ...reconciliation.figures,
      ...history.figures,
      'duplicate bound': bound,
      'api answers lost on the way to the client': proxy.lost,
      'lost provider answers (hang, drop)': faults.lostAnswers,
      ...faultTimes(schedule.log, cluster, started),
      'keyed requests replayed with other ids': idempotencyMismatches.length,
    },
  );
  return { settings, reconciliation, history, duplicateBound: bound, idempotencyMismatches, diagnosis, summary };
}

/** Runs the traffic and the fault schedule side by side; both have ended when this returns or throws. */
async function trafficUnderFaults(
  apiUrl: string,
  settings: ChaosSettings,
  progress: Progress,
  schedule: FaultSchedule,
): Promise<RequestResult[]> {
  const requests = planRequests(settings.messages, settings.seed);
  const traffic = runTraffic(apiUrl, requests, settings, progress).then(
    (results) => {
      progress.finish();
      return results;
    },
    (error: unknown) => {
      progress.abort();
      throw error;
    },
  );
  const [results, faults] = await Promise.allSettled([traffic, schedule.run()]);
  if (faults.status === 'rejected') throw faults.reason;
  if (results.status === 'rejected') throw results.reason;
  return results.value;
}

/**
 * How long killed workers took to be replaced, when the primary's outage began and ended, and when each
 * Redis and PostgreSQL fault happened and how long the server was down.
 */
function faultTimes(
  log: FaultRecord[],
  { redisOutages, postgresOutages }: { redisOutages: RedisOutage[]; postgresOutages: PostgresOutage[] },
  started: number,
): Record<string, string> {
  const kills = log.filter((record) => record.name === WORKER_KILL).map(({ startedAt, endedAt }) => endedAt - startedAt);
  const rows: Record<string, string> = {
    [WORKER_KILL]: `${kills.length} times, replaced in ${seconds(Math.min(...kills))} to ${seconds(Math.max(...kills))} s`,
  };
  for (const { name, issued, startedAt } of log.filter((record) => [PRIMARY_DOWN, PRIMARY_BACK].includes(record.name))) {
    rows[name] = `at ${issued} messages (${seconds(startedAt - started)} s)`;
  }
  const downtime = ({ signalledAt, backAt }: RedisOutage | PostgresOutage) => `at ${seconds(signalledAt - started)} s, down ${seconds(backAt - signalledAt)} s`;
  for (const outage of redisOutages) rows[`redis ${outage.signal}`] = downtime(outage);
  for (const outage of postgresOutages) {
    rows[`postgres ${outage.signal}`] = `${downtime(outage)}, ${outage.finalWaiting} final messages waiting in Redis as it started again`;
  }
  return rows;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** A positive number from the environment; `fallback` when unset, and an error for anything else. */
function positive(value: string | undefined, fallback: number): number {
  if (!value) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`expected a positive number, got "${value}"`);
  return parsed;
}
