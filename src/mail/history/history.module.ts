import { Module } from '@nestjs/common';
import { DatabaseModule } from '../../database/database.module';
import { MessagesModule } from '../messages/messages.module';
import { HistoryMetrics } from './history.metrics';
import { HistoryWriter } from './history.writer';
import { PartitionUpkeep } from './partition.upkeep';

export { HistoryWriter } from './history.writer';

/**
 * Runs in worker processes: moves messages' history from Redis to PostgreSQL and keeps PostgreSQL's
 * partitions. The accept path never waits on it.
 */
@Module({
  imports: [MessagesModule, DatabaseModule],
  providers: [HistoryWriter, HistoryMetrics, PartitionUpkeep],
  exports: [HistoryWriter],
})
export class HistoryModule {}
