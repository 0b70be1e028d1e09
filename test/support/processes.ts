import { spawnSync } from 'node:child_process';

/** The Redis and PostgreSQL servers working in one of `dirs` (each runs in its data directory), as their working directories. */
export function serversIn(...dirs: string[]): string[] {
  const pids = ['redis-server', 'postgres'].flatMap((name) => spawnSync('pgrep', ['-x', name], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean));
  const cwds = pids.map((pid) => spawnSync('readlink', [`/proc/${pid}/cwd`], { encoding: 'utf8' }).stdout.trim());
  return cwds.filter((cwd) => dirs.some((dir) => cwd.startsWith(dir)));
}

/** The node processes `parent` started (a process cluster's primary: its processes), by pid. */
export function nodeChildrenOf(parent: number): number[] {
  const listed = spawnSync('ps', ['--ppid', String(parent), '-o', 'pid=,comm='], { encoding: 'utf8' }).stdout;
  return listed
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, command]) => pid && command === 'node')
    .map(([pid]) => Number(pid));
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
