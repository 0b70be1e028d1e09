import { FakeSendGrid } from './support/fake-sendgrid.server';
import { pollUntil } from './support/poll';
import { ThrowawayRedis } from './support/redis';
import { ServiceProcess } from './support/service-process';

const BATCHES = 3;
const PER_BATCH = 100;

const message = (n: number) => ({
  from: 'ops@example.com',
  to: `user${n}@example.net`,
  subject: `message ${n}`,
  text: 'hello',
});

/** mailroute's message id, as the fake SendGrid received it. */
const sentIds = (sendgrid: FakeSendGrid) =>
  sendgrid.received.map((request) => String(request.body.custom_args.mailroute_id));

async function statusOf(api: ServiceProcess, id: string): Promise<string> {
  const response = await fetch(`${api.url}/v1/emails/${id}`);
  return ((await response.json()) as { status: string }).status;
}

/** Counts a series of the worker's own Prometheus output (summed over its label sets). */
async function metricTotal(service: ServiceProcess, name: string): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('api and worker processes on one Redis', () => {
  let redis: ThrowawayRedis;
  let sendgrid: FakeSendGrid;
  const processes: ServiceProcess[] = [];

  const env = () => ({
    REDIS_URL: redis.url,
    MAIL_PROVIDERS: 'sendgrid',
    SENDGRID_API_KEY: sendgrid.apiKey,
    SENDGRID_API_URL: sendgrid.url,
    MAIL_JOB_LOCK_MS: '2000',
    MAIL_RETRY_BASE_MS: '50',
    LOG_FORMAT: 'json',
  });

  const start = async (role: string, extra: Record<string, string> = {}) => {
    const service = await ServiceProcess.start({ ...env(), MAIL_ROLE: role, ...extra });
    processes.push(service);
    return service;
  };

  beforeEach(async () => {
    [redis, sendgrid] = await Promise.all([ThrowawayRedis.start(), FakeSendGrid.start()]);
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((service) => service.stop()));
    await Promise.all([redis.stop(), sendgrid.close()]);
  }, 60_000);

  it('sends every message accepted by the api exactly once, shared between two workers', async () => {
    const [api, first, second] = await Promise.all([start('api'), start('worker'), start('worker')]);

    const ids: string[] = [];
    for (let batch = 0; batch < BATCHES; batch += 1) {
      const body = Array.from({ length: PER_BATCH }, (_, n) => message(batch * PER_BATCH + n));
      const response = await fetch(`${api.url}/v1/emails/batch`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(202);
      ids.push(...((await response.json()) as { id: string }[]).map((item) => item.id));
    }

    await pollUntil(async () => sentIds(sendgrid).length, (count) => count >= ids.length, { timeoutMs: 60_000 });
    const received = sentIds(sendgrid);
    expect(received).toHaveLength(ids.length);
    expect(new Set(received)).toEqual(new Set(ids));
    // Twenty reads a poll, so one poll a second: within the API's rate limit.
    await pollUntil(
      async () => (await Promise.all(ids.slice(-20).map((id) => statusOf(api, id)))).every((status) => status === 'sent'),
      (allSent) => allSent,
      { intervalMs: 1_000 },
    );

    const [byFirst, bySecond, byApi] = await Promise.all(
      [first, second, api].map((service) => metricTotal(service, 'mailroute_send_attempts_total')),
    );
    expect(byFirst + bySecond).toBe(ids.length);
    expect(byFirst).toBeGreaterThan(0);
    expect(bySecond).toBeGreaterThan(0);
    expect(byApi).toBe(0);
  }, 180_000);

  it('hands a job whose worker was killed mid-send to another worker', async () => {
    const api = await start('api');
    const doomed = await start('worker');
    let answerDoomed!: () => void;
    sendgrid.answerNext({ after: new Promise<void>((resolve) => (answerDoomed = resolve)) });

    const response = await fetch(`${api.url}/v1/emails`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(message(1)),
    });
    const { id } = (await response.json()) as { id: string };
    await pollUntil(async () => sendgrid.received.length, (count) => count === 1);
    expect(await statusOf(api, id)).toBe('sending');

    await doomed.kill();
    answerDoomed();
    await start('worker');

    await pollUntil(() => statusOf(api, id), (status) => status === 'sent', { timeoutMs: 20_000 });
    // At least once: the killed worker's call reached the provider before it died.
    expect(sentIds(sendgrid)).toEqual([id, id]);
  }, 180_000);
});
