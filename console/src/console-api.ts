import { createMailrouteClient, type MailrouteClient } from '../../clients/typescript/src';

/**
 * The console talks to mailroute only through its public API, with the user's key, as any client does:
 * what the key may not see, the console cannot show.
 */
export const consoleClient = (apiKey?: string): MailrouteClient =>
  createMailrouteClient({ baseUrl: window.location.origin, apiKey, retry: { retries: 1 } });

/** Whether the API answers this key (or, without one, answers at all: a loopback mailroute without keys). */
export async function accepts(apiKey?: string): Promise<boolean> {
  const { response } = await consoleClient(apiKey).GET('/v1/emails', { params: { query: { limit: 1 } } });
  return response.ok;
}

/** What the console says when the API refused a call: its status and its own words. */
export const refusal = (response: Response, error?: { message: string | string[] }) =>
  `mailroute answered ${response.status}: ${[error?.message ?? ''].flat().join('; ')}`;
