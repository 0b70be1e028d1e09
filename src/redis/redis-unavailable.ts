/**
 * What ioredis says when a command could not reach Redis or got no answer in time: the offline queue is
 * off and the connection is down, the command timed out, the connection closed under it, or it could
 * not connect at all. These come as plain Errors, so their messages are all there is to go by.
 */
const UNREACHABLE = [
  /^Stream isn't writeable/,
  /^Command timed out$/,
  /^Connection is closed\.$/,
  /^connect (ETIMEDOUT|ECONNREFUSED)/,
  /^Socket timeout\./,
  /^Ready check failed/,
  /^All sentinels are unreachable/,
];

/** Commands aborted because their connection went away, after or without retries. */
const ABORTED = new Set(['AbortError', 'InterruptError', 'MaxRetriesPerRequestError']);

/**
 * Replies of a Redis that is there but cannot serve now: out of memory under noeviction, loading its
 * data, a replica after a failover, busy with a script, or unable to persist. Any other reply is a bug.
 */
const UNAVAILABLE_REPLIES = new Set(['OOM', 'LOADING', 'READONLY', 'MASTERDOWN', 'BUSY', 'MISCONF', 'NOREPLICAS', 'TRYAGAIN']);

/** Whether `error` means that Redis cannot be used right now, so that the request may succeed later. */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (ABORTED.has(error.name)) return true;
  if (error.name === 'ReplyError') return UNAVAILABLE_REPLIES.has(error.message.split(' ', 1)[0]);
  return UNREACHABLE.some((pattern) => pattern.test(error.message));
}
