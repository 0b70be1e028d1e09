import { ConflictException, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { RedisConnection } from '../../redis/redis.module';

const TTL_SECONDS = 86_400;
export const KEY_REUSED = 'This Idempotency-Key was already used with a different request body.';

/** Who first used an Idempotency-Key, for which body, and which message ids it got. */
interface Claim {
  fingerprint: string;
  ids: string[];
}

export type IdempotencyOutcome = { first: true } | { first: false; ids: string[] };

/**
 * Idempotency-Key for 24 hours: the first request with a key claims it in Redis with SET NX, atomically,
 * together with the ids it will create, so that concurrent duplicates all see one claim. A later
 * request with the same key and the same body gets those ids; with another body, a 409.
 */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly redis: RedisConnection) {}

  async claim(scope: string, key: string, body: unknown, ids: string[]): Promise<IdempotencyOutcome> {
    const fingerprint = fingerprintOf(body);
    const claim: Claim = { fingerprint, ids };
    const taken = await this.redis.client.set(redisKey(scope, key), JSON.stringify(claim), 'EX', TTL_SECONDS, 'NX');
    if (taken) return { first: true };
    const existing = await this.redis.client.get(redisKey(scope, key));
    if (!existing) return this.claim(scope, key, body, ids);
    const earlier = JSON.parse(existing) as Claim;
    if (earlier.fingerprint !== fingerprint) {
      throw new ConflictException(KEY_REUSED);
    }
    return { first: false, ids: earlier.ids };
  }

  /** Frees the key when the first request failed, so that the client's retry is not answered with nothing. */
  async release(scope: string, key: string): Promise<void> {
    await this.redis.client.del(redisKey(scope, key));
  }
}

const redisKey = (scope: string, key: string) =>
  `mailroute:idempotency:${scope}:${createHash('sha256').update(key).digest('hex')}`;

/** The same JSON whatever the order of its keys. */
function fingerprintOf(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, entry]) => entry !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
