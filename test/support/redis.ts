import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { generate } from 'selfsigned';
import { freePort } from '../../src/redis/redis-server.process';
import { forgetTestDatabaseFor } from './postgres';
import { TestRedisServer, TestRedisServerOptions } from './test-redis-server';

export interface ThrowawayRedisOptions {
  /** Serve TLS only, with a certificate for 127.0.0.1 signed by a fresh CA (`caFile`). */
  tls?: boolean;
  /** Further redis.conf settings (`{ requirepass: '...', 'maxmemory-policy': 'allkeys-lru' }`). */
  settings?: TestRedisServerOptions['settings'];
}

/**
 * A throwaway redis-server on a free 127.0.0.1 port, with its data in a temporary directory. AOF is off
 * unless `settings` turn it on: tests need speed, not durability.
 */
export class ThrowawayRedis {
  private constructor(
    readonly server: TestRedisServer,
    private readonly dataDir: string,
    private readonly password: string | undefined,
    /** The PEM file of the CA that signed the server's certificate, for a `tls` server. */
    readonly caFile: string | undefined,
  ) {}

  static async start({ tls = false, settings = {} }: ThrowawayRedisOptions = {}): Promise<ThrowawayRedis> {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailroute-redis-'));
    const files = tls ? await writeCertificates(dataDir) : undefined;
    const server = await TestRedisServer.start({ dataDir, appendOnly: false, tls: files, settings });
    const password = settings.requirepass as string | undefined;
    return new ThrowawayRedis(server, dataDir, password, files?.caFile);
  }

  /** `redis://127.0.0.1:<port>`, or `rediss://` for a TLS server; never with the password. */
  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  /** A client of the test's own, past the password and TLS, on database `db`; disconnect it when done. */
  client(db = 0): Redis {
    const tls = this.caFile ? { tls: { ca: readFileSync(this.caFile, 'utf8') } } : {};
    return new Redis({ host: '127.0.0.1', port: this.port, password: this.password, db, ...tls });
  }

  /**
   * Forgets everything, for tests that share one server but must not share state: the apps started on
   * it from now on get a fresh history database too (see testDatabaseFor).
   */
  async flush(): Promise<void> {
    const client = this.client();
    await client.flushall();
    client.disconnect();
    forgetTestDatabaseFor(this.url);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** For the tests of one file: a throwaway Redis started once, with a client of the tests' own, emptied before each test. */
export function useThrowawayRedis(): { server: ThrowawayRedis; client: Redis } {
  const running = {} as { server: ThrowawayRedis; client: Redis };
  beforeAll(async () => {
    running.server = await ThrowawayRedis.start();
    running.client = running.server.client();
  });
  beforeEach(() => running.client.flushall());
  afterAll(async () => {
    running.client?.disconnect();
    await running.server?.stop();
  });
  return running;
}

export interface ThrowawaySentinelOptions {
  /** The master group name the sentinel monitors `master` under. */
  name: string;
  /** `requirepass` of the sentinel itself. */
  password?: string;
  /** The master's `requirepass`, which the sentinel needs to watch it. */
  masterPassword?: string;
}

/** A Redis Sentinel on a free 127.0.0.1 port that monitors one throwaway master (quorum 1). */
export class ThrowawaySentinel {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(master: ThrowawayRedis, options: ThrowawaySentinelOptions): Promise<ThrowawaySentinel> {
    const dir = mkdtempSync(join(tmpdir(), 'mailroute-sentinel-'));
    const port = await freePort();
    // Sentinel rewrites its configuration file, so it must have one of its own.
    const configFile = join(dir, 'sentinel.conf');
    writeFileSync(configFile, sentinelConfig(port, dir, master.port, options));
    const child = spawn('redis-server', [configFile, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const sentinel = new ThrowawaySentinel(child, port, dir);
    await sentinel.waitUntilItKnows(options, master.port);
    return sentinel;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Sentinel prints no "ready" line: it is ready once it answers where the master is. */
  private async waitUntilItKnows({ name, password }: ThrowawaySentinelOptions, masterPort: number): Promise<void> {
    let output = '';
    const collect = (chunk: Buffer) => (output += chunk.toString());
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    let onExit!: (code: number | null) => void;
    const exitedEarly = new Promise<never>((_resolve, reject) => {
      onExit = (code) => reject(new Error(`redis sentinel exited with code ${code}:\n${output.slice(-2000)}`));
      this.child.once('exit', onExit);
    });
    const client = new Redis({ host: '127.0.0.1', port: this.port, password, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    try {
      const [, port] = (await Promise.race([client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name), exitedEarly])) as string[];
      if (port !== String(masterPort)) throw new Error(`the sentinel names port ${port} for ${name}, not ${masterPort}`);
    } finally {
      this.child.off('exit', onExit);
      client.disconnect();
      this.child.stdout?.off('data', collect).resume();
      this.child.stderr?.off('data', collect).resume();
    }
  }
}

function sentinelConfig(port: number, dir: string, masterPort: number, options: ThrowawaySentinelOptions): string {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor ${options.name} 127.0.0.1 ${masterPort} 1`,
    options.masterPassword ? `sentinel auth-pass ${options.name} ${options.masterPassword}` : '',
    options.password ? `requirepass ${options.password}` : '',
  ].join('\n');
}

/** A CA, and a certificate for 127.0.0.1 that it signed, as PEM files in `dir`. */
async function writeCertificates(dir: string): Promise<{ certFile: string; keyFile: string; caFile: string }> {
  const ca = await generate([{ name: 'commonName', value: 'mailroute test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const files = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), caFile: join(dir, 'ca.crt') };
  writeFileSync(files.certFile, server.cert);
  writeFileSync(files.keyFile, server.private, { mode: 0o600 });
  writeFileSync(files.caFile, ca.cert);
  return files;
}
