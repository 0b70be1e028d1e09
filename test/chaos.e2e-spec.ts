import { ChaosCluster } from './support/chaos/chaos-cluster';
import { ChaosReport, chaosSettings, chaosTimeoutMs, runChaos } from './support/chaos/chaos-run';
import { CRASH_LOSS_WINDOW_MS } from './support/chaos/reconciliation';

const settings = chaosSettings();

// "An accepted email (HTTP 202) is delivered or reported failed, never lost", and its history ends in
// PostgreSQL: one api process, two workers, Redis and PostgreSQL as separate processes, under worker
// SIGKILLs, a Redis restart and a Redis crash, a PostgreSQL outage and a PostgreSQL crash, flaky
// providers and a primary outage. CHAOS_MESSAGES sets the size, CHAOS_SEED replays a run's draws.
describe(`chaos: ${settings.messages} messages under process, Redis, PostgreSQL and provider faults (seed ${settings.seed})`, () => {
  const cluster = new ChaosCluster();
  let report: ChaosReport;

  beforeAll(async () => {
    await cluster.start();
    report = await runChaos(cluster, settings);
    console.log([report.summary, ...report.diagnosis].join('\n'));
  }, chaosTimeoutMs(settings));

  afterAll(() => cluster.stop(), 60_000);

  it('brings every accepted message to sent or failed', () => {
    expect(report.reconciliation.unfinished).toEqual([]);
  });

  it(`loses no accepted message, except within ${CRASH_LOSS_WINDOW_MS} ms before the Redis hard kill`, () => {
    expect(report.reconciliation.lost).toEqual([]);
  });

  it('has every sent message accepted by the provider the store names', () => {
    expect(report.reconciliation.sentNotReceived).toEqual([]);
  });

  it('records why every failed message failed, and every failed attempt', () => {
    expect(report.reconciliation.failedWithoutError).toEqual([]);
  });

  it('delivers a message more than once only as often as the injected faults allow', () => {
    expect(report.reconciliation.duplicates).toBeLessThanOrEqual(report.duplicateBound);
  });

  it('maps each Idempotency-Key and each client reference to one message id', () => {
    expect(report.idempotencyMismatches).toEqual([]);
    expect(report.reconciliation.refsWithSeveralIds).toEqual([]);
    expect(report.reconciliation.storeMismatches).toEqual([]);
  });

  it('answers every request with 202 or 503, or not at all', () => {
    expect(report.reconciliation.rejectedRequests).toEqual([]);
  });

  it('moves every final message to PostgreSQL once PostgreSQL is back from its outage and its crash', () => {
    expect(report.history.notCaughtUp).toEqual([]);
    expect(report.history.historyMissing).toEqual([]);
  });

  it('keeps each final message in PostgreSQL once, with the status, attempts and events the API shows', () => {
    expect(report.history.historyMismatches).toEqual([]);
    expect(report.history.historyDuplicates).toEqual([]);
  });

  it('keeps nothing of a final message in Redis once its history is in PostgreSQL', () => {
    expect(report.history.leftInRedis).toEqual([]);
  });
});
