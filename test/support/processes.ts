import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Running processes named `names`, with their working directories. */
function processesNamed(...names: string[]): { pid: string; cwd: string }[] {
  const pids = names.flatMap((name) => spawnSync('pgrep', ['-x', name], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean));
  return pids.map((pid) => ({ pid, cwd: spawnSync('readlink', [`/proc/${pid}/cwd`], { encoding: 'utf8' }).stdout.trim() }));
}

/** The Redis and PostgreSQL servers working in one of `dirs` (each runs in its data directory), as their working directories. */
export function serversIn(...dirs: string[]): string[] {
  return processesNamed('redis-server', 'postgres')
    .map(({ cwd }) => cwd)
    .filter((cwd) => dirs.some((dir) => cwd.startsWith(dir)));
}

/**
 * The port of the redis-server working in `dir`, from its command line (`--port N` as started, then
 * `redis-server host:N` once Redis has set its title); undefined while none runs there.
 */
export function redisPortIn(dir: string): number | undefined {
  const server = processesNamed('redis-server').find(({ cwd }) => cwd.startsWith(dir));
  if (!server) return undefined;
  const port = /--port\0(\d+)|:(\d+)/.exec(readFileSync(`/proc/${server.pid}/cmdline`, 'utf8'));
  return port ? Number(port[1] ?? port[2]) : undefined;
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
