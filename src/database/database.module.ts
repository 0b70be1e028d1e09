import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config.module';
import { DatabaseConnection } from './database-connection';

export { DatabaseConnection } from './database-connection';
export { HistoryPartitions } from './history.partitions';
export { HISTORY_TABLES, HistoryTables } from './history.schema';

/** PostgreSQL, where messages' history is kept (issue 17): the connection, migrated at start. */
@Module({
  providers: [{ provide: DatabaseConnection, inject: [AppConfig], useFactory: (config: AppConfig) => DatabaseConnection.open(config) }],
  exports: [DatabaseConnection],
})
export class DatabaseModule {}
