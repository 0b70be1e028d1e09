/** What stands in a log line for a path segment or query value that holds an address. */
export const REDACTED = '[redacted]';

/**
 * A request URL fit for a log line: every path segment and query key or value that holds an email
 * address (`/v1/suppressions/ann@example.com`, `?to=ann@example.com`, percent-encoded or not) is
 * replaced, so logs shipped to a log store hold no recipient; message ids and other values stay, to
 * follow a request.
 */
export function redactedUrl(url: string): string {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const redactedPath = path.split('/').map(redactAddress).join('/');
  if (queryStart === -1) return redactedPath;
  const query = url.slice(queryStart + 1).split('&').map(redactPair).join('&');
  return `${redactedPath}?${query}`;
}

function redactPair(pair: string): string {
  const equals = pair.indexOf('=');
  if (equals === -1) return redactAddress(pair);
  return `${redactAddress(pair.slice(0, equals))}=${redactAddress(pair.slice(equals + 1))}`;
}

function redactAddress(part: string): string {
  return decoded(part).includes('@') ? REDACTED : part;
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}
