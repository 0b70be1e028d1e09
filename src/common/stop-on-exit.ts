import { ChildProcess } from 'node:child_process';

const running = new Map<ChildProcess, NodeJS.Signals>();

/**
 * Signals every server still running when this process exits without having stopped it: a start that
 * failed half-way (Nest runs no shutdown hook for an application it could not create) or a crash. An
 * embedded server must not outlive mailroute, holding its port and data directory. The signal asks the
 * server for its own clean shutdown, which 'exit' cannot wait for; SIGKILL leaves it to the next start.
 */
function signalRunningServers(): void {
  for (const [child, signal] of running) child.kill(signal);
}

/** Has `child` sent `signal` if this process exits while it runs. */
export function stopOnExit(child: ChildProcess, signal: NodeJS.Signals): void {
  if (running.size === 0) process.once('exit', signalRunningServers);
  running.set(child, signal);
  child.once('exit', () => {
    running.delete(child);
    if (running.size === 0) process.off('exit', signalRunningServers);
  });
}
