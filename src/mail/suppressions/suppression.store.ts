import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { RedisConnection } from '../../redis/redis.module';

export interface Suppression {
  email: string;
  /** hard_bounce or complaint */
  reason: 'hard_bounce' | 'complaint';
  /** The provider that reported it. */
  source: string;
  detail?: string;
  createdAt: string;
}

// Kept without expiry: an address that bounced hard or complained must stay refused until an admin
// removes it; the list grows with bad addresses, not with messages.
const KEY = 'mailroute:suppressions';
/** Addresses per HMGET at most, however many lookups arrive together. */
const MAX_LOOKUP = 1000;

/** Addresses mailroute will not send to: hard bounces and spam complaints, reported by the providers. */
@Injectable()
export class SuppressionStore {
  /**
   * Lookups made in the same tick (every item of a batch, concurrent requests) go to Redis as one HMGET.
   * Nothing is cached: an address suppressed a moment ago is refused at once.
   */
  private readonly lookups: DataLoader<string, string | null>;

  constructor(private readonly redis: RedisConnection) {
    this.lookups = new DataLoader((emails) => this.redis.client.hmget(KEY, ...emails), { cache: false, maxBatchSize: MAX_LOOKUP });
  }

  async add(entry: Omit<Suppression, 'createdAt'>): Promise<void> {
    const email = entry.email.toLowerCase();
    await this.redis.client.hset(KEY, email, JSON.stringify({ ...entry, email, createdAt: new Date().toISOString() }));
  }

  async remove(email: string): Promise<boolean> {
    return (await this.redis.client.hdel(KEY, email.toLowerCase())) === 1;
  }

  /** The suppressed ones among `emails`. */
  async among(emails: string[]): Promise<Suppression[]> {
    if (emails.length === 0) return [];
    const found = await this.lookups.loadMany(emails.map((email) => email.toLowerCase()));
    const failure = found.find((entry): entry is Error => entry instanceof Error);
    if (failure) throw failure;
    return found.filter((entry): entry is string => typeof entry === 'string').map((entry) => JSON.parse(entry) as Suppression);
  }

  async all(): Promise<Suppression[]> {
    const entries = Object.values(await this.redis.client.hgetall(KEY)).map((entry) => JSON.parse(entry) as Suppression);
    return entries.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }
}
