import { createMailrouteClient, type MailrouteClient } from '../../clients/typescript/src';

/**
 * The console talks to mailroute only through its public API, with the user's key, as any client does:
 * what the key may not see, the console cannot show.
 */
export const consoleClient = (apiKey?: string): MailrouteClient =>
  createMailrouteClient({ baseUrl: window.location.origin, apiKey, retry: { retries: 1 } });

/** What the API makes of a key: none is needed on a loopback mailroute without API keys. */
export type KeyCheck = 'accepted' | 'refused' | 'unreachable';

/**
 * Whether the API takes this key. Only a 401 refuses it: any other answer comes after the key was
 * checked, so a listing that fails for want of PostgreSQL (503) or over the rate limit (429) does not
 * send a user with a good key back to the sign-in page.
 */
export async function checkKey(apiKey?: string): Promise<KeyCheck> {
  try {
    const { response } = await consoleClient(apiKey).GET('/v1/emails', { params: { query: { limit: 1 } } });
    return response.status === 401 ? 'refused' : 'accepted';
  } catch {
    return 'unreachable';
  }
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
