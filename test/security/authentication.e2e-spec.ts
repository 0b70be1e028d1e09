import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { scopeMissing } from '../../src/auth/auth.module';
import { newApiKey } from '../support/api-keys';
import { operationsOf } from '../support/openapi-operations';
import { useTestApp } from '../support/test-app';

const sender = newApiKey('shop', 'send');
const admin = newApiKey('ops', 'admin');
const victim = 'victim@corp.example';
const message = { from: 'orders@shop.example', to: victim, subject: 'Your invoice', text: 'Hello', metadata: { account: 'A-1' } };

/** A request with its path exactly as written: HTTP clients would normalise `//`, `./` or `%2F`. */
function raw(
  port: number,
  method: string,
  path: string,
  authorization?: string | string[],
): Promise<{ status: number; body: string; challenge?: string }> {
  return new Promise((resolve, reject) => {
    // Raw headers (to send one twice) leave out the ones Node adds itself, Host among them.
    const headers = ['host', `127.0.0.1:${port}`, 'content-type', 'application/json', ...[authorization ?? []].flat().flatMap((value) => ['authorization', value])];
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), challenge: res.headers['www-authenticate'] }),
      );
    });
    req.on('error', reject);
    req.end(method === 'POST' ? JSON.stringify(message) : undefined);
  });
}

describe('finding 1: every route needs a key unless it is marked public, however its path is spelled', () => {
  const running = useTestApp({ env: { API_KEYS: [sender.entry, admin.entry].join(',') } });
  let port: number;
  let scheduledId: string;

  beforeAll(async () => {
    await running.app.app.listen(0, '127.0.0.1');
    port = (running.app.app.getHttpServer().address() as AddressInfo).port;
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    scheduledId = (await running.app.send({ ...message, sendAt }).set('Authorization', sender.bearer).expect(202)).body.id;
  });

  const variants = [
    '/V1/emails',
    '/v1/EMAILS',
    '/V1/EMAILS',
    '/v1/emails/',
    '//v1/emails',
    '/%2Fv1/emails',
    '/%2fv1%2femails',
    '/v1/./emails',
    '/v1/../v1/emails',
    '/v1//emails',
  ];

  it.each(variants)('GET %s?to=<victim> without a key reads nothing', async (path) => {
    const response = await raw(port, 'GET', `${path}?to=${victim}`);
    expect([401, 404]).toContain(response.status);
    for (const content of [scheduledId, message.subject, message.metadata.account]) expect(response.body).not.toContain(content);
  });

  it.each(variants)('POST %s without a key stores nothing and does not crash', async (path) => {
    const response = await raw(port, 'POST', path);
    expect([401, 404]).toContain(response.status);
  });

  it.each(['/V1/emails/{id}/cancel', '/v1/EMAILS/{id}/cancel', '/v1/emails/{id}/CANCEL', '//v1/emails/{id}/cancel', '/v1/emails/{id}/cancel/'])(
    'POST %s without a key does not cancel',
    async (template) => {
      const response = await raw(port, 'POST', template.replace('{id}', scheduledId));
      expect([401, 404]).toContain(response.status);
      const stored = await running.app.http.get(`/v1/emails/${scheduledId}`).set('Authorization', sender.bearer).expect(200);
      expect(stored.body.status).toBe('scheduled');
    },
  );

  it('routes match their path as written only: /V1 is no route, even with a valid key', async () => {
    await running.app.http.get('/V1/emails').set('Authorization', admin.bearer).expect(404);
    await running.app.http.get('/v1/emails').set('Authorization', admin.bearer).expect(200);
    await running.app.http.get('/v1/emails/').expect(401);
  });

  /** Every operation of the API document, with its path made concrete. */
  async function documentedCalls() {
    type Operation = { responses: Record<string, { content?: { 'application/json'?: { example?: { message?: unknown } } } }> };
    const document = (await running.app.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, Operation>> };
    return operationsOf(document).map(({ method, path, responses }) => ({
      method,
      path: path.replace('{id}', scheduledId).replace('{name}', 'outbox').replace('{email}', 'someone@example.com'),
      adminOnly: responses['403']?.content?.['application/json']?.example?.message === scopeMissing('admin'),
    }));
  }

  it('answers 401, naming the Bearer scheme, on every route of the API document except the public ones', async () => {
    const calls = await documentedCalls();
    expect(calls.length).toBeGreaterThan(10);
    for (const { method, path } of calls) {
      const { status, challenge } = await raw(port, method, path);
      if (/^\/(health|v1\/inbound)\//.test(path)) expect({ method, path, status }).not.toMatchObject({ status: 401 });
      else expect({ method, path, status, challenge }).toEqual({ method, path, status: 401, challenge: 'Bearer realm="mailroute"' });
    }
  });

  it('refuses a send key every admin route of the API document with 403', async () => {
    const adminCalls = (await documentedCalls()).filter(({ adminOnly }) => adminOnly);
    expect(adminCalls.map(({ path }) => path)).toEqual(
      expect.arrayContaining(['/v1/providers', '/v1/suppressions', '/v1/webhooks/deliveries']),
    );
    for (const { method, path } of adminCalls) {
      const { status } = await raw(port, method, path, sender.bearer);
      expect({ method, path, status }).toEqual({ method, path, status: 403 });
    }
  });

  it.each([
    ['a bare Bearer', 'Bearer'],
    ['Bearer and spaces', 'Bearer   '],
    ['another scheme', `Token ${admin.key}`],
    ['two tokens', `Bearer ${admin.key} ${admin.key}`],
    ['two tokens, comma-separated', `Bearer ${admin.key}, Bearer ${admin.key}`],
    ['duplicate Authorization headers', [admin.bearer, admin.bearer]],
  ])('answers 401 to %s, on the API and on the queue dashboard', async (_case, authorization) => {
    expect((await raw(port, 'GET', '/v1/emails', authorization)).status).toBe(401);
    expect((await raw(port, 'GET', '/admin/queues/api/queues', authorization)).status).toBe(401);
  });

  it('answers 401 on the API to the key as a Basic password (only the browser dashboard takes that)', async () => {
    const basic = `Basic ${Buffer.from(`ops:${admin.key}`).toString('base64')}`;
    expect((await raw(port, 'GET', '/v1/emails', basic)).status).toBe(401);
  });
});
