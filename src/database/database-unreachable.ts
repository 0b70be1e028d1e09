/** Network errors of a server that is not there (yet), rather than one that refused us. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/**
 * Whether `error` says PostgreSQL could not be reached, as opposed to an answer that will not change by
 * waiting (a wrong password, a schema newer than this version). SQLSTATE class 08 is a connection
 * exception; 57P01-57P03 a server shutting down or starting up. pg reports a connect timeout by message
 * only. An error that wraps others (a failed migration, an AggregateError of several addresses) is judged
 * by them. Read by shape, not `instanceof`: Node's own errors may come from another realm.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, cause, errors } = error as ErrorLike;
  if (Array.isArray(errors) && errors.some(isDatabaseUnreachable)) return true;
  if (isDatabaseUnreachable(cause)) return true;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code))) return true;
  return typeof message === 'string' && /Connection terminated|timeout expired|connection timeout/i.test(message);
}
