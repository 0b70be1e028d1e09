import { readFileSync } from 'node:fs';

const POLL_INTERVAL_MS = 50;

/** The pid on the first line of a pid or lock file, or undefined when there is none. */
export function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0].trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether process `pid` (not a child of ours, so there is no exit event to wait for) is gone within
 * `timeoutMs`; it can only be polled.
 */
export async function exitsWithin(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, POLL_INTERVAL_MS));
  }
  return true;
}
