import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { AppConfig, loadConfig } from './app-config';

/**
 * @nestjs/config merges an optional `.env` file into the environment; AppConfig is then validated once
 * and is the only configuration any other module sees.
 */
@Global()
@Module({
  imports: [NestConfigModule.forRoot()],
  providers: [{ provide: AppConfig, useFactory: () => loadConfig(process.env) }],
  exports: [AppConfig],
})
export class ConfigModule {}

export { AppConfig, ConfigurationError, loadConfig, processesJobs, servesApi } from './app-config';
export type { ProcessRole } from './app-config';
