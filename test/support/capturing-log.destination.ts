import { LogDestination } from '../../src/logging/logging.module';
import { recordOutput } from './secret-watch';

const ERROR_LEVEL = 50;

/**
 * Takes the place of stdout for the app's pino logger: every JSON line is recorded for the secret scan
 * and for tests that read the logs; only errors are printed, as the tests' output always had it.
 */
export class CapturingLogDestination implements LogDestination {
  readonly stream = {
    write: (line: string): void => {
      recordOutput('log', line);
      if (levelOf(line) >= ERROR_LEVEL) process.stderr.write(line);
    },
  };
}

function levelOf(line: string): number {
  try {
    return (JSON.parse(line) as { level?: number }).level ?? 0;
  } catch {
    return ERROR_LEVEL;
  }
}
