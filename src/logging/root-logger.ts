import pino, { Logger } from 'pino';
import { AppConfig } from '../config/config.module';
import { LogDestination } from './log-destination';

/**
 * The process's one pino logger, at LOG_LEVEL, writing to the LogDestination: Nest's and the
 * application's lines (through nestjs-pino) and the request lines (requestLog) all go through it.
 */
export class RootLogger {
  private constructor(readonly pino: Logger) {}

  static forConfig(config: AppConfig, destination: LogDestination): RootLogger {
    return new RootLogger(pino({ level: config.log.level }, destination.stream));
  }
}
