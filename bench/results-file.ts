import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RESULTS = join(__dirname, 'results.json');

/**
 * Writes one benchmark's results under `key` in bench/results.json, keeping every other benchmark's:
 * each bench owns its key and runs on its own.
 */
export function saveResults(key: string, value: unknown): void {
  const previous = JSON.parse(readOr(RESULTS, '{}')) as Record<string, unknown>;
  writeFileSync(RESULTS, JSON.stringify({ ...previous, [key]: { measuredAt: new Date().toISOString(), ...(value as object) } }, null, 2));
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
