import type { DestinationStream } from 'pino';
import pino from 'pino';
import pretty from 'pino-pretty';
import { AppConfig } from '../config/config.module';

/**
 * Where log lines go: JSON to stdout, or pino-pretty's colours in a terminal (LOG_FORMAT). A class of
 * its own so that tests can put a recording destination in its place.
 */
export abstract class LogDestination {
  abstract readonly stream: DestinationStream;

  static forConfig(config: AppConfig): LogDestination {
    const stream = config.log.pretty
      ? pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ dest: 1, sync: true });
    return { stream };
  }
}
