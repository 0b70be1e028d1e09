import createClient from 'openapi-fetch';
import { RetryOptions, retryingFetch } from './retrying-fetch';
import type { paths } from './schema';

export * from './schema';
export type { RetryOptions } from './retrying-fetch';

export interface MailrouteOptions {
  /** Where mailroute answers, such as `http://localhost:3000`. */
  baseUrl: string;
  /** An API key (`npm run key:new`); leave it out for a mailroute on loopback without keys. */
  apiKey?: string;
  /** When to try a refused or lost request again; see RetryOptions. */
  retry?: RetryOptions;
  /** The fetch to send with; the global one by default. */
  fetch?: (request: Request) => Promise<Response>;
}

/** A client for every operation of the API, typed from its OpenAPI document. */
export type MailrouteClient = ReturnType<typeof createClient<paths>>;

export function createMailrouteClient({ baseUrl, apiKey, retry, fetch = globalThis.fetch }: MailrouteOptions): MailrouteClient {
  return createClient<paths>({
    baseUrl,
    headers: apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` },
    fetch: retryingFetch((request) => fetch(request), retry),
  });
}
