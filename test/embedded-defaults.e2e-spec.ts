import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from './support/poll';
import { ServiceProcess } from './support/service-process';

/** Processes whose command line names `dir`: the servers mailroute started there. */
const serversIn = (dir: string) => spawnSync('pgrep', ['-f', dir], { encoding: 'utf8' }).stdout.trim();

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
    expect(serversIn(join(dir, 'postgres'))).not.toBe('');

    await service!.stop();
    service = undefined;
    expect(serversIn(dir)).toBe('');
  }, 60_000);
});
