import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from './support/poll';
import { ServiceProcess } from './support/service-process';

/** The Redis and PostgreSQL servers working in `dir` (each runs in its data directory), as their working directories. */
function serversIn(dir: string): string[] {
  const pids = spawnSync('pgrep', ['-x', 'redis-server|postgres'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  return pids.map((pid) => spawnSync('readlink', [`/proc/${pid}/cwd`], { encoding: 'utf8' }).stdout.trim()).filter((cwd) => cwd.startsWith(dir));
}

// What `npm start` runs with no configuration: its own Redis and its own PostgreSQL, here in a temporary
// directory instead of ./data, since the checkout's may be in use.
describe('the embedded defaults (no REDIS_URL, no DATABASE_URL)', () => {
  let dir: string;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailroute-embedded-'));
    // As root, PostgreSQL runs as the postgres user, who must be able to pass through (see README).
    chmodSync(dir, 0o755);
    // Empty counts as unset: the harness would otherwise give the process a database of the shared server.
    service = await ServiceProcess.start({
      DATABASE_URL: '',
      REDIS_DATA_DIR: join(dir, 'redis'),
      POSTGRES_DATA_DIR: join(dir, 'postgres'),
      MAIL_OUTBOX_DIR: join(dir, 'outbox'),
    });
  }, 90_000);
  afterAll(async () => {
    await service?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers into the outbox, keeps the message in its own PostgreSQL, and stops both servers on SIGTERM', async () => {
    const accepted = await fetch(`${service!.url}/v1/emails`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: 'a@example.com', to: 'b@example.com', subject: 'Embedded history', text: 'Hello' }),
    });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    const listed = await pollUntil(
      async () => (await (await fetch(`${service!.url}/v1/emails?subject=embedded`)).json()) as { data: { id: string; status: string }[] },
      ({ data }) => data[0]?.status === 'sent',
    );
    expect(listed.data.map((email) => email.id)).toEqual([id]);
    expect(readdirSync(join(dir, 'outbox')).filter((name) => name.endsWith('.eml'))).toHaveLength(1);
    // PostgreSQL's backends and helpers work there too: each server at least once.
    expect(new Set(serversIn(dir))).toEqual(new Set([join(dir, 'postgres'), join(dir, 'redis')]));

    await service!.stop();
    service = undefined;
    expect(serversIn(dir)).toEqual([]);
  }, 60_000);
});
