import type { JobOptions } from 'bull';
import type { QueueDepth } from '../clients/typescript/src';
import { MAIL_QUEUE } from '../src/mail/messages/messages.module';
import { WEBHOOK_QUEUE } from '../src/webhooks/webhooks.module';
import { newApiKey } from './support/api-keys';
import { pollUntil } from './support/poll';
import { ScriptedProvider } from './support/scripted.provider';
import { TestApp, useTestApp } from './support/test-app';

const admin = newApiKey('ops', 'admin');
const sender = newApiKey('shop', 'send');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const message = { from: 'shop@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' };
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

interface BoardQueue {
  name: string;
  counts: Record<'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'paused', number>;
  jobs: { id: string; failedReason?: string }[];
}

/** The dashboard's own JSON API, as its UI calls it. */
function boardApi(app: TestApp, authorization?: string) {
  const withAuth = <T extends { set(name: string, value: string): T }>(call: T) =>
    authorization ? call.set('Authorization', authorization) : call;
  return {
    get: (path: string) => withAuth(app.http.get(`/admin/queues${path}`)),
    put: (path: string) => withAuth(app.http.put(`/admin/queues${path}`)),
    async queues(query = ''): Promise<BoardQueue[]> {
      return (await this.get(`/api/queues${query}`).expect(200)).body.queues;
    },
    async queue(name: string, query = ''): Promise<BoardQueue> {
      return (await this.queues(query)).find((queue) => queue.name === name)!;
    },
  };
}


describe('queue dashboard, with API_KEYS', () => {
  const alwaysDown = new ScriptedProvider('down', ['transient']);
  const running = useTestApp({
    env: { API_KEYS: [admin.entry, sender.entry].join(',') },
    extraProviders: [alwaysDown],
  });
  const board = () => boardApi(running.app, admin.bearer);

  const unauthorized = {
    statusCode: 401,
    error: 'Unauthorized',
    message:
      'An API key with the admin scope is required: send it as "Authorization: Bearer <key>", ' +
      'or as the password of HTTP Basic authentication (any user name).',
  };

  it.each([
    ['GET', '/admin/queues'],
    ['GET', '/admin/queues/'],
    ['GET', '/admin/queues/queue/mail'],
    ['GET', '/admin/queues/static/favicon-32x32.png'],
    ['GET', '/admin/queues/api/queues'],
    ['PUT', '/admin/queues/api/queues/mail/pause'],
  ])('answers %s %s without credentials with 401, a Basic challenge and the API error body', async (method, path) => {
    const response = await running.app.http[method === 'GET' ? 'get' : 'put'](path).expect(401);
    expect(response.headers['www-authenticate']).toBe('Basic realm="mailroute"');
    expect(response.body).toEqual(unauthorized);
  });

  it('is no route under another case of its path (routing is case-sensitive), with or without a key', async () => {
    for (const path of ['/ADMIN/Queues/api/queues', '/Admin/queues/api/queues', '/admin/QUEUES/api/queues']) {
      const response = await running.app.http.get(path).expect(404);
      expect(JSON.stringify(response.body)).not.toContain('"queues"');
      await running.app.http.get(path).set('Authorization', admin.bearer).expect(404);
    }
  });

  it('refuses a write action before it acts', async () => {
    await running.app.http.put('/admin/queues/api/queues/mail/pause').expect(401);
    await running.app.http.put('/admin/queues/api/queues/mail/pause').set('Authorization', sender.bearer).expect(403);
    expect(await running.app.queue(MAIL_QUEUE).isPaused()).toBe(false);
  });

  it.each([
    ['an unknown Bearer key', `Bearer mr_${'x'.repeat(43)}`],
    ['the admin key\'s hash', `Bearer ${admin.entry.split(':')[2]}`],
    ['Basic with a wrong password', basic('ops', `mr_${'y'.repeat(43)}`)],
    ['Basic with the key as the user name', basic(admin.key, '')],
    ['Basic without a colon', `Basic ${Buffer.from(admin.key).toString('base64')}`],
    ['the key with no scheme', admin.key],
  ])('answers 401 for %s', async (_case, authorization) => {
    const response = await running.app.http.get('/admin/queues').set('Authorization', authorization).expect(401);
    expect(response.headers['www-authenticate']).toBe('Basic realm="mailroute"');
    expect(response.body).toEqual(unauthorized);
  });

  it.each([
    ['Bearer', sender.bearer],
    ['Basic', basic('shop', sender.key)],
  ])('answers 403 to a send-scope key given as %s', async (_scheme, authorization) => {
    const response = await running.app.http.get('/admin/queues/api/queues').set('Authorization', authorization).expect(403);
    expect(response.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'This API key does not have the admin scope the queue dashboard needs.',
    });
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it.each([
    ['Bearer', admin.bearer],
    ['Basic, any user name', basic('whoever', admin.key)],
    ['Basic, empty user name', basic('', admin.key)],
  ])('serves the dashboard page to an admin key given as %s', async (_scheme, authorization) => {
    const page = await running.app.http.get('/admin/queues').set('Authorization', authorization).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<base href="/admin/queues/" />');
    expect(page.text).toContain('<title>mailroute queues</title>');
  });

  it('references only scripts of its own origin, which load under the API\'s Content-Security-Policy', async () => {
    const authorization = basic('ops', admin.key);
    const page = await running.app.http.get('/admin/queues').set('Authorization', authorization).expect(200);
    expect(page.headers['content-security-policy']).toMatch(/(^|;)script-src 'self'(;|$)/);

    // Inline code would need 'unsafe-inline'; a JSON data block is not code and is allowed.
    const inlineScripts = [...page.text.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((match) => match[1]);
    expect(inlineScripts.every((attributes) => /type="application\/json"/.test(attributes))).toBe(true);

    const scripts = [...page.text.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((match) => match[1]);
    const styles = [...page.text.matchAll(/<link href="(static\/[^"]+)" rel="stylesheet"/g)].map((match) => match[1]);
    expect(scripts.length).toBeGreaterThan(0);
    expect(styles.length).toBeGreaterThan(0);
    for (const asset of [...scripts, ...styles]) {
      expect(asset).toMatch(/^static\//);
      const served = await running.app.http.get(`/admin/queues/${asset}`).set('Authorization', authorization).expect(200);
      expect(served.headers['content-type']).toMatch(asset.endsWith('.js') ? /javascript/ : /text\/css/);
    }
  });

  it('lists the mail and webhook queues with counts that follow the queues', async () => {
    expect((await board().queues()).map((queue) => queue.name)).toEqual([MAIL_QUEUE, WEBHOOK_QUEUE]);
    const before = (await board().queue(MAIL_QUEUE)).counts.delayed;

    await running.app.send({ ...message, sendAt: inAnHour() }).set('Authorization', sender.bearer).expect(202);

    const mail = await pollUntil(
      () => board().queue(MAIL_QUEUE),
      (queue) => queue.counts.delayed === before + 1,
    );
    expect(mail.counts.delayed).toBe(before + 1);
  });

  it('retries a job Bull gave up on, and the worker runs it again', async () => {
    // Only the scripted provider, which is always down, stays in rotation.
    await running.app.http.post('/v1/providers/outbox/disable').set('Authorization', admin.bearer).expect(200);
    const { body } = await running.app.send({ ...message, sendAt: inAnHour() }).set('Authorization', sender.bearer).expect(202);
    // The app's own jobs get thousands of attempts; one with a single attempt lands in Bull's failed set
    // after the first round that reaches no provider.
    const jobId = `one-attempt-${body.id}`;
    await running.app.queue(MAIL_QUEUE).add({ id: body.id }, { jobId, attempts: 1, removeOnComplete: false });

    const failed = await pollUntil(
      () => board().queue(MAIL_QUEUE, `?activeQueue=${MAIL_QUEUE}&status=failed`),
      (queue) => queue.jobs.some((job) => job.id === jobId),
    );
    expect(failed.counts.failed).toBe(1);
    expect(failed.jobs.find((job) => job.id === jobId)!.failedReason).toMatch(/no provider accepted the message/);

    await board().put(`/api/queues/${MAIL_QUEUE}/${jobId}/retry`).expect(204);

    const retried = await pollUntil(
      () => board().get(`/api/queues/${MAIL_QUEUE}/${jobId}`).expect(200),
      (response) => response.body.status === 'completed',
    );
    expect(retried.body.job.attempts).toBe(2);
    expect((await board().queue(MAIL_QUEUE)).counts.failed).toBe(0);
  });

  it('retries a job queued by an earlier version, which names the backoff strategy stored in its options', async () => {
    await running.app.http.post('/v1/providers/outbox/disable').set('Authorization', admin.bearer).expect(200);
    const { body } = await running.app.send({ ...message, sendAt: inAnHour() }).set('Authorization', sender.bearer).expect(202);
    const jobId = `earlier-version-${body.id}`;
    await running.app.queue(MAIL_QUEUE).add({ id: body.id }, { jobId, attempts: 3, backoff: { type: 'mailroute' } });

    // Run again after its first failure: the strategy its options name was found and gave the delay.
    const job = await pollUntil(
      async () => (await running.app.queue(MAIL_QUEUE).getJob(jobId))!,
      (current) => current.attemptsMade >= 2,
    );
    expect(job.stacktrace.join('\n')).not.toMatch(/Unknown backoff strategy/);
    expect(job.failedReason).toMatch(/round [23]: no provider accepted the message/);
  });

  it('cleans a state of a queue, sparing jobs touched in the last 5 s as bull-board does', async () => {
    const webhooks = running.app.queue(WEBHOOK_QUEUE);
    const aMinuteAgo = Date.now() - 60_000;
    for (const deliveryId of ['old-1', 'old-2', 'old-3']) {
      // Bull takes a creation time (lib/job.js) that its typings leave out.
      await webhooks.add({ deliveryId }, { delay: 3_600_000, timestamp: aMinuteAgo } as JobOptions);
    }
    await webhooks.add({ deliveryId: 'fresh' }, { delay: 3_600_000 });
    expect((await board().queue(WEBHOOK_QUEUE)).counts.delayed).toBe(4);

    await board().put(`/api/queues/${WEBHOOK_QUEUE}/clean/delayed`).expect(200);

    expect((await board().queue(WEBHOOK_QUEUE)).counts.delayed).toBe(1);
    expect((await webhooks.getDelayed()).map((job) => job.data.deliveryId)).toEqual(['fresh']);
  });
});

describe('the queues\' depth in the API, GET /v1/queue', () => {
  const running = useTestApp({ env: { API_KEYS: [admin.entry, sender.entry].join(',') } });
  const depth = async () => (await running.app.http.get('/v1/queue').set('Authorization', admin.bearer).expect(200)).body as QueueDepth;
  const mail = (read: QueueDepth) => read.queues.find(({ name }) => name === MAIL_QUEUE)!;

  it('counts what the dashboard counts, a scheduled message as a delayed mail job, and points to the dashboard', async () => {
    const before = await depth();
    expect(before.dashboardPath).toBe('/admin/queues');
    await running.app.send({ ...message, sendAt: inAnHour() }).set('Authorization', sender.bearer).expect(202);

    const after = await pollUntil(depth, (read) => mail(read).delayed === mail(before).delayed + 1);
    const board = await boardApi(running.app, admin.bearer).queues();
    expect(after.queues).toEqual(board.map(({ name, counts: { waiting, active, delayed, failed, paused } }) => ({ name, waiting, active, delayed, failed, paused })));
  });

  it('counts a due message as paused while the mail queue is paused, and not once it resumes and sends it', async () => {
    const queue = running.app.queue(MAIL_QUEUE);
    await queue.pause();
    try {
      const { body } = await running.app.send(message).set('Authorization', sender.bearer).expect(202);
      await pollUntil(depth, (read) => mail(read).paused === 1);
      await queue.resume();
      await running.app.waitForStatus(body.id, ['sent'], sender.bearer);
      expect(mail(await depth()).paused).toBe(0);
    } finally {
      await queue.resume();
    }
  });
});

describe('queue dashboard, without API_KEYS', () => {
  const running = useTestApp();

  it('is open on loopback like the rest of the API', async () => {
    const page = await running.app.http.get('/admin/queues').expect(200);
    expect(page.headers['www-authenticate']).toBeUndefined();
    expect(page.text).toContain('<title>mailroute queues</title>');
    const queues = await boardApi(running.app).queues();
    expect(queues.map((queue) => queue.name)).toEqual([MAIL_QUEUE, WEBHOOK_QUEUE]);
  });

  it('is not part of the API document', async () => {
    const { body } = await running.app.http.get('/docs-json').expect(200);
    expect(Object.keys(body.paths).filter((path) => path.startsWith('/admin'))).toEqual([]);
  });
});

describe.each([
  ['refused by its provider', 'permanent' as const, 'refuses rejected the message (400)'],
  ['out of rounds', 'transient' as const, 'refuses is unavailable (503)'],
])('what the queue says of a message that failed, %s', (_case, behaviour, reason) => {
  const running = useTestApp({ env: { MAIL_MAX_ATTEMPTS: '2' }, extraProviders: [new ScriptedProvider('refuses', [behaviour])] });

  it('ends it as a failed job with the reason, not a completed one', async () => {
    await running.app.http.post('/v1/providers/outbox/disable').expect(200);
    const { body } = await running.app.send(message).expect(202);
    const email = await running.app.waitForStatus(body.id, ['sent', 'failed']);
    expect(email.status).toBe('failed');
    const job = await pollUntil(
      async () => running.app.queue(MAIL_QUEUE).getJob(body.id),
      (found) => typeof found?.finishedOn === 'number',
    );
    expect(await job!.getState()).toBe('failed');
    expect(job!.failedReason).toContain(reason);
    expect((await boardApi(running.app).queue(MAIL_QUEUE)).counts).toMatchObject({ failed: 1, completed: 0 });
  });
});

describe('a waiting message whose job was removed from the queue', () => {
  const running = useTestApp({ env: { MAIL_ORPHAN_SWEEP_MS: '1000' } });

  it('is failed, saying why, instead of waiting forever', async () => {
    const { body } = await running.app.send({ ...message, sendAt: inAnHour() }).expect(202);
    const kept = (await running.app.send({ ...message, sendAt: inAnHour() }).expect(202)).body;
    // What the dashboard's "remove" does to a delayed job.
    await (await running.app.queue(MAIL_QUEUE).getJob(body.id))!.remove();

    const email = await running.app.waitForStatus(body.id, ['failed']);
    expect(email.error).toEqual({ type: 'transient', message: expect.stringMatching(/^delivery abandoned: its job was removed from the queue/) });
    const events = (await running.app.http.get(`/v1/emails/${body.id}/events`).expect(200)).body.map((event: { type: string }) => event.type);
    expect(events).toEqual(['scheduled', 'failed']);
    expect((await running.app.http.get(`/v1/emails/${kept.id}`).expect(200)).body.status).toBe('scheduled');
  });
});
