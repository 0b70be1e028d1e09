import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The Redis and PostgreSQL servers working in one of `dirs` (each runs in its data directory), as their working directories. */
export function serversIn(...dirs: string[]): string[] {
  const pids = ['redis-server', 'postgres'].flatMap((name) => spawnSync('pgrep', ['-x', name], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean));
  const cwds = pids.map((pid) => spawnSync('readlink', [`/proc/${pid}/cwd`], { encoding: 'utf8' }).stdout.trim());
  return cwds.filter((cwd) => dirs.some((dir) => cwd.startsWith(dir)));
}

/** The processes `pid` started, by pid (none once it has gone). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The node processes `parent` started (a process cluster's primary: its processes), by pid. */
export function nodeChildrenOf(parent: number): number[] {
  return childrenOf(parent).filter((pid) => commandOf(pid) === 'node');
}

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** `run`'s result with this process's working directory set to `dir` meanwhile (relative paths resolve against it). */
export function withCwd<T>(dir: string, run: () => T): T {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    return run();
  } finally {
    process.chdir(previous);
  }
}
