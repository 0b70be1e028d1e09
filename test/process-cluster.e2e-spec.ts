import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../src/common/process-ids';
import { pollUntil } from './support/poll';
import { nodeChildrenOf, serversIn } from './support/processes';
import { ServiceProcess } from './support/service-process';

interface Listed {
  data: { id: string; status: string }[];
}

// MAIL_PROCESSES for a single host: a primary that starts the embedded servers and forks the processes,
// which share its port.
describe('MAIL_PROCESSES=2 with the embedded servers', () => {
  let dir: string;
  let service: ServiceProcess | undefined;

  const send = (subject: string) =>
    fetch(`${service!.url}/v1/emails`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: 'a@example.com', to: 'b@example.com', subject, text: 'Hello' }),
    });
  /** A scrape on a connection of its own: the cluster hands each new connection to the next process. */
  const scrape = () =>
    new Promise<string>((resolve, reject) => {
      get(`${service!.url}/metrics`, { agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve(Buffer.concat(chunks).toString()));
      }).on('error', reject);
    });
  const sentWith = async (subject: string) =>
    ((await (await fetch(`${service!.url}/v1/emails?subject=${subject}&status=sent&limit=100`)).json()) as Listed).data.length;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailroute-cluster-'));
    chmodSync(dir, 0o755);
    service = await ServiceProcess.start({
      MAIL_PROCESSES: '2',
      DATABASE_URL: '',
      REDIS_DATA_DIR: join(dir, 'redis'),
      POSTGRES_DATA_DIR: join(dir, 'postgres'),
      MAIL_OUTBOX_DIR: join(dir, 'outbox'),
    });
  }, 90_000);
  afterAll(async () => {
    // SIGTERM, not SIGKILL: after a failed test the embedded servers must stop with the process, not outlive the run.
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves and delivers from two processes, replaces one that dies, and stops everything on SIGTERM', async () => {
    const first = await pollUntil(
      async () => nodeChildrenOf(service!.pid),
      (pids) => pids.length === 2,
    );
    const answers = await Promise.all(Array.from({ length: 20 }, () => send('clustered')));
    expect(answers.map(({ status }) => status)).toEqual(Array(20).fill(202));
    await pollUntil(() => sentWith('clustered'), (sent) => sent === 20);
    // Each scrape reaches one process, and answers for both.
    for (let n = 0; n < 4; n += 1) {
      const metrics = await scrape();
      expect(metrics).toMatch(/^mailroute_messages_accepted_total 20$/m);
      expect(metrics).toMatch(/^mailroute_messages_sent_total\{provider="outbox"\} 20$/m);
    }

    process.kill(first[0], 'SIGKILL');
    const replaced = await pollUntil(
      async () => nodeChildrenOf(service!.pid),
      (pids) => pids.length === 2 && !pids.includes(first[0]),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(replaced).toContain(first[1]);
    // The primary's line reaches the pipe when its stdout gets to it: looked for, not expected at once.
    await pollUntil(
      async () => service!.printed,
      (printed) => printed.includes(`process ${first[0]} exited (SIGKILL); starting another`),
    );
    await pollUntil(
      async () => (await send('replaced')).status,
      (status) => status === 202,
    );
    await pollUntil(() => sentWith('replaced'), (sent) => sent >= 1);

    await service!.stop();
    service = undefined;
    expect(replaced.filter(isAlive)).toEqual([]);
    expect(serversIn(dir)).toEqual([]);
  }, 120_000);
});
