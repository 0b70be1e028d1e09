import { Logger } from '@nestjs/common';
import cluster, { Worker } from 'node:cluster';
import { once } from 'node:events';
import { SHUTDOWN_SIGNALS } from './common/shutdown-signals';
import { AppConfig } from './config/config.module';
import { DatabaseConnection } from './database/database.module';
import { answerMetricsRequests } from './metrics/metrics.module';
import { RedisConnection } from './redis/redis.module';

/** Beyond a process's own SHUTDOWN_TIMEOUT_MS, before it is killed: the time to close its connections. */
const EXIT_GRACE_MS = 5_000;

/**
 * MAIL_PROCESSES above 1, for a host that is a VM rather than a pod (in Kubernetes a pod runs one
 * process and replicas scale). This primary starts the embedded Redis and PostgreSQL when no URL names
 * them, and forks that many mailroute processes. They share the port through node's cluster module (a
 * connection goes to each in turn) and those servers through their URLs, as replicas share them.
 * - A process that dies after it listened is replaced.
 * - One that exits before it ever listened is a start that fails (a taken port, a refused password):
 *   the primary stops everything and fails too, rather than fork in a loop.
 * - SIGTERM, SIGINT or SIGHUP stops every process as its own SIGTERM would (jobs finished or handed
 *   back, history flushed), then the servers.
 * - A scrape of /metrics, whichever process it reaches, answers with every process's metrics.
 * Node's cluster module rather than a process manager (pm2): one command still starts everything, and
 * the primary owns the embedded servers' lifetime.
 */
export async function runProcessCluster(config: AppConfig): Promise<void> {
  const logger = new Logger('Cluster');
  const redis = await RedisConnection.startEmbeddedUnlessConfigured(config);
  const database = await DatabaseConnection.startEmbeddedUnlessConfigured(config);
  const env = { ...(redis && { REDIS_URL: redis.url }), ...(database && { DATABASE_URL: database.url }) };
  const listened = new WeakSet<Worker>();
  let stopping = false;

  const stopAll = async (exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    await Promise.all(workers.map((worker) => stopProcess(worker, config.shutdownTimeoutMs + EXIT_GRACE_MS)));
    await database?.stop();
    await redis?.stop();
    process.exit(exitCode);
  };

  cluster.on('listening', (worker) => listened.add(worker));
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const how = `process ${worker.process.pid} exited (${signal ?? `code ${code}`})`;
    if (!listened.has(worker)) {
      logger.error(`${how} before it listened: stopping the others`);
      void stopAll(1);
      return;
    }
    logger.warn(`${how}; starting another`);
    cluster.fork(env);
  });
  // `on`, not `once`: a second signal (Ctrl+C under npm comes twice) would otherwise kill the primary
  // and leave the embedded servers running.
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => void stopAll(0));
  answerMetricsRequests();
  for (let n = 0; n < config.processes; n += 1) cluster.fork(env);
  logger.log(`${config.processes} processes on port ${config.http.port}`);
}

/** SIGTERM, and SIGKILL if it has not exited in `timeoutMs`. */
async function stopProcess(worker: Worker, timeoutMs: number): Promise<void> {
  if (worker.isDead()) return;
  const exited = once(worker, 'exit');
  worker.process.kill('SIGTERM');
  const timer = setTimeout(() => worker.process.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
