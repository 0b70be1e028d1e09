import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { recordOutput } from './secret-watch';

/** Records every log line for the secret scan; prints only errors, as the tests' logger always did. */
export class CapturingLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    recordOutput(`log ${logLevel}`, `${context ?? ''} ${messages.map((m) => (m instanceof Error ? m.stack : typeof m === 'string' ? m : JSON.stringify(m))).join(' ')}`);
    if (logLevel === 'error' || logLevel === 'fatal') super.printMessages(messages, context, logLevel);
  }
}
