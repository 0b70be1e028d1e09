import type { Job, JobOptions, Queue } from 'bull';
import type { ChainableCommander } from 'ioredis';

/**
 * Bull adds jobs in a MULTI of its own; these are the two pieces its `addBulk` uses to put a job into
 * a MULTI, so that a job can join one that also writes other keys. Bull 4 exports no such API, so
 * package.json pins Bull to the minor version test/accept-transaction.e2e-spec.ts proves (~4.16).
 *
 * On a Bull upgrade, check in node_modules/bull/lib that:
 * - job.js still exports the `Job` constructor `(queue, name, data, opts)` and `Job.prototype.toData()`;
 * - scripts.js `addJob(client, queue, jobData, { customJobId })` still only calls `client.addJob(keys)`,
 *   the Lua command commands/addJob-6.lua that Bull defines on `queue.client` (so also on its MULTI),
 *   and still takes its keys and arguments from what `toData()` returns;
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

const DEFAULT_JOB_NAME = '__default__';

export interface TransactionJob<T> {
  data: T;
  opts: JobOptions & { jobId: string };
}

/**
 * A MULTI on the queue's own connection (the one Bull defined its scripts on), ready for jobs and for
 * whatever else must be written in the same step.
 */
export async function queueTransaction(queue: Queue): Promise<ChainableCommander> {
  await queue.isReady();
  return queue.client.multi();
}

/** Appends the jobs to `multi` with the queue's default job options, as `queue.addBulk` would add them. */
export function addJobs<T>(multi: ChainableCommander, queue: Queue<T>, jobs: TransactionJob<T>[]): void {
  const defaults = (queue as unknown as { defaultJobOptions?: JobOptions }).defaultJobOptions;
  for (const { data, opts } of jobs) {
    const job = new BullJob(queue as Queue, DEFAULT_JOB_NAME, data, { ...defaults, ...opts });
    scripts.addJob(multi, queue as Queue, job.toData(), { customJobId: opts.jobId });
  }
}
