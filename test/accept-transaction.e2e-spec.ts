import { MAIL_QUEUE } from '../src/mail/messages/messages.module';
import { RedisConnection } from '../src/redis/redis.module';
import { useTestApp } from './support/test-app';

const email = { from: 'app@example.com', to: 'ann@example.com', subject: 'Hello', text: 'Hi' };

/**
 * Accepting writes the message and its Bull job in one MULTI through Bull's internals
 * (src/common/jobs-in-transaction.ts); these tests hold that against the installed Bull: the job is the
 * one `queue.add` would have made, and it sits in the list or set Bull's workers read.
 */
describe('accepting stores the message and queues its job in one step', () => {
  // api role: nothing consumes the jobs, so the test sees them as they were queued.
  const running = useTestApp({ env: { MAIL_ROLE: 'api' } });
  const queue = () => running.app.queue(MAIL_QUEUE);
  const redis = () => running.app.app.get(RedisConnection).client;

  /** What Bull itself makes of the same data with the queue's defaults, for comparison. */
  async function referenceJob(jobId: string, delay?: number) {
    const job = await queue().add({ id: jobId }, { jobId, ...(delay ? { delay } : {}) });
    const stored = await queue().getJob(jobId);
    await job.remove();
    return stored!;
  }

  it('queues a job that equals what queue.add makes, next to the stored record', async () => {
    const { body } = await running.app.send(email).expect(202);

    const job = await queue().getJob(body.id);
    const reference = await referenceJob('reference-now');
    expect(job?.data).toEqual({ id: body.id });
    expect({ ...job!.opts, timestamp: 0 }).toEqual({ ...reference.opts, jobId: body.id, timestamp: 0 });
    expect(await job!.getState()).toBe('waiting');
    expect(await redis().hget(`mailroute:email:${body.id}`, 'status')).toBe('queued');
    expect(await redis().ttl(`mailroute:email:${body.id}`)).toBeGreaterThan(0);
    expect(await redis().ttl(`mailroute:email:${body.id}:events`)).toBeGreaterThan(0);
  });

  it('queues a scheduled message as a delayed job due at sendAt', async () => {
    const sendAt = new Date(Date.now() + 3_600_000);
    const { body } = await running.app.send({ ...email, sendAt: sendAt.toISOString() }).expect(202);

    const job = await queue().getJob(body.id);
    expect(await job!.getState()).toBe('delayed');
    // The delay is computed a moment before Bull stamps the job, so due is within a second of sendAt.
    expect(Math.abs(job!.timestamp + job!.opts.delay! - sendAt.getTime())).toBeLessThan(1_000);
    const reference = await referenceJob('reference-later', job!.opts.delay);
    expect({ ...job!.opts, timestamp: 0 }).toEqual({ ...reference.opts, jobId: body.id, timestamp: 0 });
  });

  it('queues every valid item of a batch, and only those', async () => {
    const { body } = await running.app.http
      .post('/v1/emails/batch')
      .send([email, { ...email, to: 'not an address' }, email])
      .expect(202);
    const ids = (body as { id?: string }[]).flatMap(({ id }) => (id ? [id] : []));
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      expect(await (await queue().getJob(id))?.getState()).toBe('waiting');
      expect(await redis().hget(`mailroute:email:${id}`, 'status')).toBe('queued');
    }
  });
});
