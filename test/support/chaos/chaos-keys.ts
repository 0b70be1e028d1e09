import { newApiKey } from '../api-keys';

const CLIENTS = 20;
const READERS = 20;

/**
 * The run's API keys, as a production deployment has them: the traffic is spread over 20 clients' send
 * keys, and the harness reads the store back with operators' (admin) keys. The API's rate limit is per
 * key (50 requests a second by default), so the clients together can send far more than one of them may.
 */
const clientKeys = Array.from({ length: CLIENTS }, (_, n) => newApiKey(`chaos-client-${n}`, 'send'));
const readerKeys = Array.from({ length: READERS }, (_, n) => newApiKey(`chaos-reader-${n}`, 'admin'));

/** API_KEYS for the api process. */
export const CHAOS_API_KEYS = [...clientKeys, ...readerKeys].map(({ entry }) => entry).join(',');

/** The Authorization header of the client that sends request number `index` (and sends it again). */
export const clientAuthorization = (index: number) => clientKeys[index % CLIENTS].bearer;

/** The Authorization header for the `position`-th read, so that reads are spread over the readers' keys. */
export const readerAuthorization = (position: number) => readerKeys[position % READERS].bearer;
