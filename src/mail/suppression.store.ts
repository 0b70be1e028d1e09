import { Injectable } from '@nestjs/common';
import { RedisConnection } from '../redis/redis.module';

export interface Suppression {
  email: string;
  /** hard_bounce or complaint */
  reason: 'hard_bounce' | 'complaint';
  /** The provider that reported it. */
  source: string;
  detail?: string;
  createdAt: string;
}

const KEY = 'mailroute:suppressions';

/** Addresses mailroute will not send to: hard bounces and spam complaints, reported by the providers. */
@Injectable()
export class SuppressionStore {
  constructor(private readonly redis: RedisConnection) {}

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
    const found = await this.redis.client.hmget(KEY, ...emails.map((email) => email.toLowerCase()));
    return found.filter((entry): entry is string => entry !== null).map((entry) => JSON.parse(entry) as Suppression);
  }

  async all(): Promise<Suppression[]> {
    const entries = Object.values(await this.redis.client.hgetall(KEY)).map((entry) => JSON.parse(entry) as Suppression);
    return entries.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }
}
