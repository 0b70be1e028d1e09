import { Injectable } from '@nestjs/common';
import { RedisConnection } from '../redis/redis.module';
import { REPLAY_WINDOW_SECONDS } from './signed-timestamp';

/** What the ids name: a Mailgun call's token, or one event of a SendGrid batch. */
export type SeenIdKind = 'mailgun-token' | 'sendgrid-event';

const key = (kind: SeenIdKind, id: string) => `mailroute:inbound:seen:${kind}:${id}`;

/**
 * The tokens and event ids of provider calls already taken, so that a signed call is taken once. They
 * live in Redis, shared by every API replica, for as long as a captured call could still pass the
 * freshness check; after that the timestamp refuses it.
 */
@Injectable()
export class SeenIdStore {
  constructor(private readonly redis: RedisConnection) {}

  /** Marks `ids` seen, and returns those that were not seen before (each once, however often it is given). */
  async firstSightings(kind: SeenIdKind, ids: string[]): Promise<Set<string>> {
    const unique = [...new Set(ids)];
    const claimed = await Promise.all(
      unique.map((id) => this.redis.client.set(key(kind, id), '1', 'EX', REPLAY_WINDOW_SECONDS, 'NX')),
    );
    return new Set(unique.filter((_id, index) => claimed[index] === 'OK'));
  }

  /** Makes `ids` new again, for a call that could not be recorded and that the provider will retry. */
  async forget(kind: SeenIdKind, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.client.del(...ids.map((id) => key(kind, id)));
  }
}
