import type { DestinationStream } from 'pino';
import pino from 'pino';
import pretty from 'pino-pretty';
import { AppConfig } from '../config/config.module';

/**
 * Where log lines go: JSON to stdout, or pino-pretty's colours in a terminal (LOG_FORMAT). A class of
 * its own so that tests can put a recording destination in its place.
 * JSON is written asynchronously: a synchronous write per request line was the largest single cost of
 * a request (a write(2) each, about 40 µs of 650 on the no-work route). Lines that arrive while a write
 * is under way go out together in the next one, and pino flushes what is left synchronously when the
 * process exits, so only a SIGKILL (or a crash of the machine) can lose the last lines.
 */
export abstract class LogDestination {
  abstract readonly stream: DestinationStream;

  static forConfig(config: AppConfig): LogDestination {
    const stream = config.log.pretty
      ? pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ dest: 1, sync: false });
    return { stream };
  }
}
