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

/** A read the API refused, and whether asking again could change the answer. */
export interface Failed {
  state: 'failed';
  why: string;
  /** 401 and 403: what a key may do does not change while a page waits. */
  lasting: boolean;
}

export const failed = (response: Response, error?: { message: string | string[] }): Failed => ({
  state: 'failed',
  why: refusal(response, error),
  lasting: response.status === 401 || response.status === 403,
});
