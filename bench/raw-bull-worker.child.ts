/**
 * The reference the delivery benchmark compares mailroute's workers with: a plain Bull worker, in a
 * process of its own, with the same concurrency, whose handler does nothing but the provider call.
 * RAW_HANDLER=http POSTs a SendGrid mail/send body to the fake provider (the same 20 ms fake mailroute
 * sends to) with node:http; RAW_HANDLER=sdk sends the same message through the official SendGrid SDK,
 * as mailroute's adapter must; RAW_HANDLER=sleep only waits RAW_DELAY_MS, which is Bull's own ceiling. Started by
 * RawBullWorker (raw-bull-worker.process.ts): says "ready" over IPC once it takes jobs; when the IPC
 * channel closes it lets the running jobs finish and exits.
 *
 *   RAW_REDIS_URL RAW_QUEUE RAW_CONCURRENCY RAW_HANDLER (http | sdk | sleep) RAW_DELAY_MS RAW_PROVIDER_URL RAW_PROVIDER_KEY
 */
import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import Queue, { Job } from 'bull';
import { Agent, request } from 'node:http';
import { stalledJobSettings } from '../src/common/queue-lifecycle';

/** mailroute's default MAIL_JOB_LOCK_MS, so both workers renew and check locks alike. */
const LOCK_MS = 30_000;

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

interface RawJob {
  id: string;
}

/** Node's keep-alive HTTP client with no socket limit: what an adapter needs at the least. */
const agent = new Agent({ keepAlive: true });

function post(url: URL, apiKey: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`provider answered ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The body mailroute's SendGrid adapter sends for the benchmark's message, with the job's id as the mailroute id. */
const mailBody = (id: string): string =>
  JSON.stringify({
    from: { email: 'bench@example.com' },
    personalizations: [{ to: [{ email: 'someone@example.net' }] }],
    subject: 'Benchmark',
    content: [{ type: 'text/plain', value: 'Hello from the bench.' }],
    custom_args: { mailroute_id: id },
  });

/** The SDK client the way the adapter sets it up, pointed at the fake. */
function sdkSender(): (job: Job<RawJob>) => Promise<void> {
  const client = new Client();
  client.setApiKey(env('RAW_PROVIDER_KEY'));
  client.setDefaultRequest('baseUrl', env('RAW_PROVIDER_URL'));
  const mail = new MailService();
  mail.setClient(client);
  return async (job) => {
    await mail.send({
      from: { email: 'bench@example.com' },
      personalizations: [{ to: [{ email: 'someone@example.net' }] }],
      subject: 'Benchmark',
      content: [{ type: 'text/plain', value: 'Hello from the bench.' }],
      customArgs: { mailroute_id: job.data.id },
    });
  };
}

function handler(): (job: Job<RawJob>) => Promise<void> {
  if (env('RAW_HANDLER') === 'sleep') {
    const delayMs = Number(env('RAW_DELAY_MS'));
    return () => new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  if (env('RAW_HANDLER') === 'sdk') return sdkSender();
  const url = new URL('/v3/mail/send', env('RAW_PROVIDER_URL'));
  const apiKey = env('RAW_PROVIDER_KEY');
  return (job) => post(url, apiKey, mailBody(job.data.id));
}

async function main(): Promise<void> {
  const queue = new Queue<RawJob>(env('RAW_QUEUE'), env('RAW_REDIS_URL'), { settings: stalledJobSettings(LOCK_MS) });
  queue.on('error', (error) => console.error(`raw bull worker: ${error.message}`));
  void queue.process(Number(env('RAW_CONCURRENCY')), handler());
  await queue.isReady();
  process.send!('ready');
  process.once('disconnect', () => void queue.close().finally(() => process.exit(0)));
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
