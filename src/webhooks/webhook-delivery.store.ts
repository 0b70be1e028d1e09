import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RedisConnection } from '../redis/redis.module';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  at: string;
  /** The receiver's HTTP status; absent when it did not answer. */
  status?: number;
  /** Why there was no answer, or why the answer failed the delivery. */
  error?: string;
}

export interface WebhookDelivery {
  id: string;
  /** e.g. email.sent */
  type: string;
  emailId: string;
  status: DeliveryStatus;
  createdAt: string;
  /** The exact JSON body posted (and signed). */
  payload: string;
  attempts: DeliveryAttempt[];
}

const INDEX = 'mailroute:webhooks:deliveries';
export const DELIVERY_TTL_SECONDS = 7 * 86_400;

/** Webhook deliveries and their attempts, kept a week, listed newest first. */
@Injectable()
export class WebhookDeliveryStore {
  constructor(private readonly redis: RedisConnection) {}

  async create(type: string, emailId: string, buildPayload: (id: string, createdAt: string) => string): Promise<WebhookDelivery> {
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    const delivery: WebhookDelivery = { id, type, emailId, status: 'pending', createdAt, payload: buildPayload(id, createdAt), attempts: [] };
    await this.redis.client
      .multi()
      .set(key(id), JSON.stringify(delivery), 'EX', DELIVERY_TTL_SECONDS)
      .zadd(INDEX, Date.parse(createdAt), id)
      .zremrangebyscore(INDEX, '-inf', `(${Date.now() - DELIVERY_TTL_SECONDS * 1000}`)
      // The index lives as long as its newest delivery.
      .expire(INDEX, DELIVERY_TTL_SECONDS)
      .exec();
    return delivery;
  }

  async find(id: string): Promise<WebhookDelivery | undefined> {
    const stored = await this.redis.client.get(key(id));
    return stored ? (JSON.parse(stored) as WebhookDelivery) : undefined;
  }

  /** One worker handles a delivery at a time (its Bull job), so a read-modify-write is safe here. */
  async recordAttempt(id: string, attempt: DeliveryAttempt, status: DeliveryStatus): Promise<void> {
    const delivery = await this.find(id);
    if (!delivery) return;
    const updated = { ...delivery, status, attempts: [...delivery.attempts, attempt] };
    await this.redis.client.set(key(id), JSON.stringify(updated), 'KEEPTTL');
  }

  async newest(limit: number): Promise<WebhookDelivery[]> {
    const ids = await this.redis.client.zrevrange(INDEX, 0, limit - 1);
    const deliveries = await Promise.all(ids.map((id) => this.find(id)));
    return deliveries.filter((delivery): delivery is WebhookDelivery => delivery !== undefined);
  }
}

const key = (id: string) => `mailroute:webhooks:delivery:${id}`;
