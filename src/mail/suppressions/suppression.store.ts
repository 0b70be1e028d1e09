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
/** Entries HSCAN looks at per call: each call a short one, so that a long list never blocks Redis. */
const SCAN_COUNT = 1000;

/** The newest `limit` (all without it) of the addresses that contain `search`, or of all when there is none. */
export interface SuppressionQuery {
  search?: string;
  limit?: number;
}

/** The newest matching entries, and how many match in all. */
export interface SuppressionPage {
  suppressions: Suppression[];
  total: number;
}

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

  /**
   * Addresses are kept lowercased, as the hash's fields, so HSCAN's MATCH finds a search in any case
   * without reading the entries that do not match.
   */
  async newest({ search, limit }: SuppressionQuery): Promise<SuppressionPage> {
    const pattern = search === undefined ? '*' : `*${escapeGlob(search.toLowerCase())}*`;
    // HSCAN may return an entry twice while the hash grows: keyed by address, it is counted once.
    const found = new Map<string, Suppression>();
    let cursor = '0';
    do {
      const [next, fields] = await this.redis.client.hscan(KEY, cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      for (let at = 0; at < fields.length; at += 2) found.set(fields[at], JSON.parse(fields[at + 1]) as Suppression);
      cursor = next;
    } while (cursor !== '0');
    const entries = [...found.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    return { suppressions: entries.slice(0, limit), total: entries.length };
  }
}

/** `text` as a Redis glob pattern that matches only itself. */
const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');
