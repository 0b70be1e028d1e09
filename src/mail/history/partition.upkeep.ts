import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HistoryPartitions } from '../../database/database.module';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Keeps the history's daily partitions: today's and tomorrow's made ahead of their first row, and days
 * past MAIL_RETENTION_DAYS (bodies: MAIL_BODY_RETENTION_DAYS) dropped whole, which costs no row deletes.
 * Hourly in each worker; the work is idempotent, so workers doing it at once do no harm.
 */
@Injectable()
export class PartitionUpkeep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PartitionUpkeep.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly partitions: HistoryPartitions) {}

  onApplicationBootstrap(): void {
    const run = () => void this.run().catch((error: Error) => this.logger.warn(`partition upkeep: ${error.message}`));
    run();
    this.timer = setInterval(run, HOUR_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    const now = Date.now();
    await this.partitions.ensure([new Date(now), new Date(now + DAY_MS)]);
    await this.partitions.dropExpired();
  }
}
