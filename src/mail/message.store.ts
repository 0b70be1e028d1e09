import { Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { AppConfig } from '../config/config.module';
import type { OutgoingEmail } from '../providers/providers.module';
import { RedisConnection } from '../redis/redis.module';
import { Attempt, EmailRecord, EmailStatus, ErrorDetail } from './email-record';

const SECONDS_PER_DAY = 86_400;

/**
 * Keeps each message, its status and its attempts in Redis: a hash per message and a list of attempts,
 * both expiring MAIL_RETENTION_DAYS after the last change. Every write is one MULTI, so a reader never
 * sees half an update.
 */
@Injectable()
export class MessageStore {
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: RedisConnection,
    config: AppConfig,
  ) {
    this.ttlSeconds = config.mail.retentionDays * SECONDS_PER_DAY;
  }

  async create(email: OutgoingEmail): Promise<EmailRecord> {
    const now = new Date().toISOString();
    const record: EmailRecord = { email, status: 'queued', createdAt: now, updatedAt: now, attempts: [] };
    await this.write(email.id, (multi, key) =>
      multi.hset(key, { email: JSON.stringify(email), status: record.status, createdAt: now, updatedAt: now }),
    );
    return record;
  }

  async find(id: string): Promise<EmailRecord | undefined> {
    const results = await this.redis.client.multi().hgetall(recordKey(id)).lrange(attemptsKey(id), 0, -1).exec();
    const [[, hash], [, attempts]] = results as [[null, Record<string, string>], [null, string[]]];
    if (!hash.email) return undefined;
    return {
      email: JSON.parse(hash.email) as OutgoingEmail,
      status: hash.status as EmailStatus,
      createdAt: hash.createdAt,
      updatedAt: hash.updatedAt,
      provider: hash.provider,
      providerMessageId: hash.providerMessageId,
      error: hash.error ? (JSON.parse(hash.error) as ErrorDetail) : undefined,
      attempts: attempts.map((attempt) => JSON.parse(attempt) as Attempt),
    };
  }

  async setStatus(id: string, status: 'queued' | 'sending'): Promise<void> {
    await this.write(id, (multi, key) => multi.hset(key, { status, updatedAt: new Date().toISOString() }));
  }

  async recordAttempt(id: string, attempt: Attempt): Promise<void> {
    await this.write(id, (multi) => multi.rpush(attemptsKey(id), JSON.stringify(attempt)));
  }

  async markSent(id: string, provider: string, providerMessageId: string): Promise<void> {
    await this.write(id, (multi, key) =>
      multi.hset(key, { status: 'sent', provider, providerMessageId, updatedAt: new Date().toISOString() }),
    );
  }

  async markFailed(id: string, error: ErrorDetail): Promise<void> {
    await this.write(id, (multi, key) =>
      multi.hset(key, { status: 'failed', error: JSON.stringify(error), updatedAt: new Date().toISOString() }),
    );
  }

  async remove(id: string): Promise<void> {
    await this.redis.client.del(recordKey(id), attemptsKey(id));
  }

  private async write(id: string, change: (multi: ChainableCommander, key: string) => void): Promise<void> {
    const key = recordKey(id);
    const multi = this.redis.client.multi();
    change(multi, key);
    await multi.expire(key, this.ttlSeconds).expire(attemptsKey(id), this.ttlSeconds).exec();
  }
}

const recordKey = (id: string) => `mailroute:email:${id}`;
const attemptsKey = (id: string) => `mailroute:email:${id}:attempts`;
