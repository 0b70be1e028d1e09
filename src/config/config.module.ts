import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { AppConfig, loadConfig } from './app-config';

/**
 * The configuration is read and validated once, before any module is built, because it decides which
 * modules a process is made of (MAIL_ROLE); AppConfig is then the only configuration any module sees.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }
}

/** The process environment, with an optional `.env` file merged in by @nestjs/config, validated. */
export async function configFromEnvironment(): Promise<AppConfig> {
  await NestConfigModule.forRoot();
  return loadConfig(process.env);
}

export { AppConfig, ConfigurationError, loadConfig, sizeInBytes } from './app-config';
export type { ProcessRole } from './app-config';
