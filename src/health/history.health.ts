import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { TimeoutStrategy, timeout } from 'cockatiel';
import { sql } from 'kysely';
import { DatabaseConnection } from '../database/database.module';
import { HistoryOutbox } from '../mail/messages/messages.module';

const checkTimeout = timeout(1_000, TimeoutStrategy.Aggressive);

/**
 * The history in PostgreSQL, for the readiness detail: whether PostgreSQL answers and how far behind
 * Redis it is. Always `up`: accepting and delivering do not need PostgreSQL, so its outage must not
 * take a process out of service; the detail says what is wrong, and reads of finished messages answer 503.
 */
@Injectable()
export class HistoryHealthIndicator {
  constructor(
    private readonly database: DatabaseConnection,
    private readonly outbox: HistoryOutbox,
    private readonly health: HealthIndicatorService,
  ) {}

  async report(): Promise<HealthIndicatorResult<'history'>> {
    const [database, backlog] = await Promise.all([this.databaseState(), checkTimeout.execute(() => this.outbox.backlog()).catch(() => undefined)]);
    return this.health.check('history').up({ database, ...backlog });
  }

  private async databaseState(): Promise<'up' | 'down'> {
    const ping = () => sql`select 1`.execute(this.database.db);
    return checkTimeout.execute(ping).then(
      () => 'up' as const,
      () => 'down' as const,
    );
  }
}
