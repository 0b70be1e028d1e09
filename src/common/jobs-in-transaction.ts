import type { Job, JobOptions, Queue } from 'bull';
import Redis, { ChainableCommander, RedisOptions } from 'ioredis';

/**
 * Bull adds jobs in a MULTI of its own; these are the two pieces its `addBulk` uses to put a job into
 * a MULTI, so that a job can join one that also writes other keys. Bull 4 exports no such API, so
 * package.json pins Bull to the minor version test/accept-transaction.e2e-spec.ts proves (~4.16).
 *
 * On a Bull upgrade, check in node_modules/bull/lib that:
 * - job.js still exports the `Job` constructor `(queue, name, data, opts)` and `Job.prototype.toData()`;
 * - scripts.js `addJob(client, queue, jobData, { customJobId })` still only calls `client.addJob(keys)`,
 *   and still takes its keys and arguments from what `toData()` returns;
 * - scripts/addJob-6.js still exports that command as `{ name, keys, content }`, which Bull defines on
 *   `queue.client` and jobTransactionClient() on its own client;
 * - job.js's `addJob` (behind `Job.create` and `createBulk`) still adds a job only that way, and
 *   `Job.DEFAULT_JOB_NAME` is still '__default__'. Only the job id is passed on: no lifo, priority,
 *   debounce or limiter groups, which the mail queue doesn't use.
 * Then run test/accept-transaction.e2e-spec.ts: it compares the job made here with `queue.add`'s,
 * waiting and delayed, and checks its state is the list or set Bull's workers read.
 */
type BullJobInternals = new (queue: Queue, name: string, data: unknown, opts: JobOptions) => Job & { toData(): unknown };
interface BullScriptInternals {
  addJob(client: ChainableCommander, queue: Queue, jobData: unknown, opts: { customJobId?: string | number }): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BullJob = require('bull/lib/job') as BullJobInternals;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const scripts = require('bull/lib/scripts') as BullScriptInternals;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ADD_JOB = require('bull/lib/scripts/addJob-6') as { name: string; keys: number; content: string };

const DEFAULT_JOB_NAME = '__default__';

export interface TransactionJob<T> {
  data: T;
  opts: JobOptions & { jobId: string };
}

/**
 * A client for the transactions that add jobs (and whatever else must be written in the same step), on
 * a connection of its own made with `options`, those of the queue's Redis, with Bull's addJob as its only
 * script. Not the queue's own connection: ioredis copies every script defined on a client onto each
 * MULTI made from it, and Bull defines about thirty there, which cost 26 µs an accepted email (measured
 * in issue 18). Define any other script the transactions run on it too.
 */
export function jobTransactionClient(options: RedisOptions): Redis {
  const client = new Redis({ ...options, connectionName: 'mailroute-accept' });
  client.defineCommand(ADD_JOB.name, { numberOfKeys: ADD_JOB.keys, lua: ADD_JOB.content });
  return client;
}

/** Appends the jobs to `multi` with the queue's default job options, as `queue.addBulk` would add them. */
export function addJobs<T>(multi: ChainableCommander, queue: Queue<T>, jobs: TransactionJob<T>[]): void {
  const defaults = (queue as unknown as { defaultJobOptions?: JobOptions }).defaultJobOptions;
  for (const { data, opts } of jobs) {
    const job = new BullJob(queue as Queue, DEFAULT_JOB_NAME, data, { ...defaults, ...opts });
    scripts.addJob(multi, queue as Queue, job.toData(), { customJobId: opts.jobId });
  }
}
