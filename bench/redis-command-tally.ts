import Redis from 'ioredis';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** What Redis ran while the tally watched, by kind. */
export interface CommandCounts {
  /**
   * What clients sent, one entry per request: a single command, or a whole MULTI ... EXEC block. The
   * store client pipelines automatically, so several requests may share one write and one round trip
   * (ioredis writes a transaction at once and waits for EXEC only).
   */
  requests: Map<string, number>;
  /** Every command Redis executed, those run inside Lua scripts and transactions included. */
  executed: Map<string, number>;
}

/**
 * Counts the commands a Redis server runs, through MONITOR (which slows Redis down: use it for counts,
 * never while timing). Commands are named with message ids replaced by {id}, and scripts by their first
 * line (EVAL) or key count and first key (EVALSHA, which is how Bull runs its scripts).
 */
export class RedisCommandTally {
  private readonly counts: CommandCounts = { requests: new Map(), executed: new Map() };
  /** Open MULTI blocks, by client address. */
  private readonly transactions = new Map<string, string[]>();
  private readonly ignored = new Set<string>();

  private constructor(private readonly monitor: Redis) {}

  static async watch(redisUrl: string): Promise<RedisCommandTally> {
    const client = new Redis(redisUrl);
    const monitor = await client.monitor();
    client.disconnect();
    const tally = new RedisCommandTally(monitor);
    monitor.on('monitor', (_time: string, args: string[], source: string) => tally.record(args, source));
    return tally;
  }

  /** Leaves out what this connection (the bench's own polling) sends. */
  ignore(connection: Redis): void {
    this.ignored.add(`${connection.stream.localAddress}:${connection.stream.localPort}`);
  }

  stop(): CommandCounts {
    // Lines still arriving after disconnect() would be read as replies to commands never sent, and
    // ioredis throws on those ("Command queue state error").
    this.monitor.stream.removeAllListeners('data');
    this.monitor.disconnect();
    return this.counts;
  }

  private record(args: string[], source: string): void {
    if (this.ignored.has(source)) return;
    const name = describe(args);
    add(this.counts.executed, name);
    if (source === 'lua') return;
    const command = args[0].toLowerCase();
    const open = this.transactions.get(source);
    if (command === 'multi') return void this.transactions.set(source, []);
    if (open && command === 'exec') {
      this.transactions.delete(source);
      return add(this.counts.requests, `MULTI [${open.join(', ')}]`);
    }
    if (open) return void open.push(name);
    add(this.counts.requests, name);
  }
}

function describe([command, ...args]: string[]): string {
  const name = command.toUpperCase();
  if (name === 'EVAL') return `EVAL "${firstLine(args[0])}" ${args[2] ?? ''}`.replace(UUID, '{id}');
  if (name === 'EVALSHA') return `EVALSHA ${args[1]} keys ${args[2] ?? ''}`.replace(UUID, '{id}');
  return `${name} ${args[0] ?? ''}`.replace(UUID, '{id}').trim();
}

function firstLine(script: string): string {
  const line = script.split('\n').find((text) => text.trim() && !text.trim().startsWith('--')) ?? '';
  return line.trim().slice(0, 40);
}

function add(counts: Map<string, number>, name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}
