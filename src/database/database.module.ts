import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config.module';
import { DatabaseConnection } from './database-connection';
import { HistoryPartitions } from './history.partitions';
import { HistoryReader } from './history.reader';
import { HistoryStore } from './history.store';

export { DatabaseConnection } from './database-connection';
export { HistoryPartitions } from './history.partitions';
export { HistoryCursor, HistoryQuery, HistoryReader } from './history.reader';
export { HISTORY_TABLES, HistoryTables } from './history.schema';
export { HistoryStore } from './history.store';

/** PostgreSQL, where messages' history is kept (issue 17): the connection, migrated at start, and what writes, reads and expires the history. */
@Module({
  providers: [
    { provide: DatabaseConnection, inject: [AppConfig], useFactory: (config: AppConfig) => DatabaseConnection.open(config) },
    {
      provide: HistoryPartitions,
      inject: [DatabaseConnection, AppConfig],
      useFactory: (connection: DatabaseConnection, config: AppConfig) =>
        new HistoryPartitions(connection.db, { days: config.mail.retentionDays, bodyDays: config.mail.bodyRetentionDays }),
    },
    {
      provide: HistoryStore,
      inject: [DatabaseConnection, HistoryPartitions, AppConfig],
      useFactory: (connection: DatabaseConnection, partitions: HistoryPartitions, config: AppConfig) =>
        new HistoryStore(connection.db, partitions, config.mail.bodyRetentionDays > 0),
    },
    { provide: HistoryReader, inject: [DatabaseConnection], useFactory: (connection: DatabaseConnection) => new HistoryReader(connection.db) },
  ],
  exports: [DatabaseConnection, HistoryPartitions, HistoryStore, HistoryReader],
})
export class DatabaseModule {}
