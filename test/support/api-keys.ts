import { createHash, randomBytes } from 'node:crypto';
import { watchSecret } from './secret-watch';

/** A fresh API key and its API_KEYS entry, as `npm run key:new` makes them. */
export function newApiKey(name: string, scope: 'send' | 'admin', senders: string[] = []) {
  const key = `mr_${randomBytes(32).toString('base64url')}`;
  const sha256 = createHash('sha256').update(key).digest('hex');
  const entry = [name, scope, sha256, ...(senders.length ? [senders.join('|')] : [])].join(':');
  watchSecret(key);
  return { key, entry, bearer: `Bearer ${key}` };
}
