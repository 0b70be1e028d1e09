import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newApiKey } from '../support/api-keys';
import { useTestApp } from '../support/test-app';

const sender = newApiKey('shop', 'send');
const admin = newApiKey('ops', 'admin');
const victim = 'victim@corp.example';
const message = { from: 'orders@shop.example', to: victim, subject: 'Your invoice', text: 'Hello', metadata: { account: 'A-1' } };

/** A request with its path exactly as written: HTTP clients would normalise `//`, `./` or `%2F`. */
function raw(port: number, method: string, path: string, authorization?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
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

  it('answers 401 on every route of the API document except the public ones', async () => {
    const document = (await running.app.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const publicRoutes = /^\/(health\/|v1\/inbound\/)/;
    const calls = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
    );
    expect(calls.length).toBeGreaterThan(10);
    for (const { method, path } of calls) {
      const concrete = path
        .replace('{id}', scheduledId)
        .replace('{name}', 'outbox')
        .replace('{email}', 'someone@example.com');
      const response = await raw(port, method, concrete);
      if (publicRoutes.test(concrete.slice(1)) || publicRoutes.test(concrete)) {
        expect({ method, path, status: response.status }).not.toMatchObject({ status: 401 });
      } else {
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
      }
    }
  });
});
