import { Logger } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import { HISTORY_TABLES, HistoryTable, HistoryTables } from './history.schema';

const DAY_MS = 86_400_000;
/** PostgreSQL's duplicate_table: another process made the partition first. */
const DUPLICATE_TABLE = '42P07';

/**
 * The day partitions of the history tables: made for the days rows arrive for, dropped once their day
 * is past retention, so that expiry is a DROP TABLE rather than a DELETE of millions of rows.
 * Hand-written because pg_partman, which does this inside PostgreSQL, is an extension that managed
 * PostgreSQL services do not all offer, and no maintained Node library manages partitions.
 */
export class HistoryPartitions {
  private readonly logger = new Logger(HistoryPartitions.name);
  private readonly made = new Set<string>();

  constructor(
    private readonly db: Kysely<HistoryTables>,
    private readonly retention: { days: number; bodyDays: number },
  ) {}

  /** Makes sure every history table has the partitions of the days `times` fall on. */
  async ensure(times: Date[]): Promise<void> {
    const days = [...new Set(times.map(dayOf))].filter((day) => !this.made.has(day));
    for (const day of days) {
      await Promise.all(HISTORY_TABLES.map((table) => this.create(table, day)));
      this.made.add(day);
    }
  }

  /** Drops the partitions whose whole day is older than retention; returns their names. */
  async dropExpired(now = new Date()): Promise<string[]> {
    const dropped: string[] = [];
    for (const table of HISTORY_TABLES) {
      const keepDays = table === 'message_bodies' ? this.retention.bodyDays : this.retention.days;
      const oldestKept = dayOf(new Date(now.getTime() - keepDays * DAY_MS));
      for (const name of await this.partitionsOf(table)) {
        if (name.slice(-8) >= oldestKept.replaceAll('-', '')) continue;
        await sql`drop table if exists ${sql.table(name)}`.execute(this.db);
        this.made.delete(dayFromName(name));
        dropped.push(name);
      }
    }
    if (dropped.length > 0) this.logger.log(`dropped expired history partitions: ${dropped.join(', ')}`);
    return dropped;
  }

  private async create(table: HistoryTable, day: string): Promise<void> {
    const next = dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS));
    const name = partitionName(table, day);
    await sql`create table if not exists ${sql.table(name)} partition of ${sql.table(table)}
      for values from (${sql.lit(`${day}T00:00:00Z`)}) to (${sql.lit(`${next}T00:00:00Z`)})`
      .execute(this.db)
      .catch((error: Error & { code?: string }) => {
        if (error.code !== DUPLICATE_TABLE) throw error;
      });
  }

  private async partitionsOf(table: HistoryTable): Promise<string[]> {
    const { rows } = await sql<{ name: string }>`
      select child.relname as name from pg_inherits
      join pg_class parent on parent.oid = pg_inherits.inhparent
      join pg_class child on child.oid = pg_inherits.inhrelid
      where parent.relname = ${table}`.execute(this.db);
    return rows.map(({ name }) => name).filter((name) => name.startsWith(`${table}_p`));
  }
}

/** `2026-11-30`, in UTC: partitions are UTC days. */
function dayOf(time: Date): string {
  return time.toISOString().slice(0, 10);
}

function partitionName(table: HistoryTable, day: string): string {
  return `${table}_p${day.replaceAll('-', '')}`;
}

function dayFromName(name: string): string {
  const digits = name.slice(-8);
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6)}`;
}
