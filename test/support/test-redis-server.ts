import { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort, RedisServerOptions, RedisServerProcess } from '../../src/redis/redis-server.process';

export interface TestRedisServerOptions extends RedisServerOptions {
  /** Serve TLS only, on `port` (the plain port is closed), with these PEM files. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Further redis.conf settings, applied after the defaults (`{ requirepass: 'x', 'rename-command': ['CONFIG', ''] }`). */
  settings?: Record<string, string | string[]>;
  /** Listen here rather than on a free port: a restarted server must be where its clients reconnect to. */
  port?: number;
}

/**
 * The embedded redis-server with what only tests and benches need: TLS, settings of their own, a fixed
 * port, and the faults they inject (a hang, a crash).
 */
export class TestRedisServer extends RedisServerProcess {
  private constructor(
    child: ChildProcess,
    port: number,
    private readonly tls: boolean,
  ) {
    super(child, port);
  }

  override get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}`;
  }

  static override async start(options: TestRedisServerOptions): Promise<TestRedisServer> {
    const port = options.port ?? (await freePort());
    const settings = Object.entries(options.settings ?? {}).flatMap(([name, value]) => [`--${name}`, ...[value].flat()]);
    const child = await RedisServerProcess.spawn(options, [...listenArguments(port, options.tls), ...settings]);
    return new TestRedisServer(child, port, options.tls !== undefined);
  }

  override async stop(): Promise<void> {
    // A frozen server would hold the SIGTERM until it is let go.
    this.thaw();
    await super.stop();
  }

  /** Simulates a hung server (SIGSTOP): its connections stay open, and nothing on them is answered. */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  /** Lets a frozen server go on (SIGCONT); a running one is not affected. */
  thaw(): void {
    this.child.kill('SIGCONT');
  }

  /** Simulates a crash: no shutdown, no flush. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

function listenArguments(port: number, tls: TestRedisServerOptions['tls']): string[] {
  if (!tls) return ['--port', String(port)];
  return [
    '--port', '0',
    '--tls-port', String(port),
    '--tls-cert-file', tls.certFile,
    '--tls-key-file', tls.keyFile,
    '--tls-ca-cert-file', tls.caFile,
    '--tls-auth-clients', 'no',
  ];
}
