import express from 'express';
import { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import pino from 'pino';
import request from 'supertest';
import { addToRequestLog, requestLog } from './request-log';

/** An Express app behind requestLog, on a real socket, whose pino lines are kept in `lines`. */
function loggedApp() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const app = express()
    .use(requestLog(logger))
    .post('/v1/emails', (_req, res) => {
      addToRequestLog(res, { emailId: 'e-1' });
      res.status(202).json({ id: 'e-1' });
    })
    .get('/v1/suppressions/:email', (_req, res) => void res.status(404).json({}))
    .get('/v1/fails', () => {
      throw new Error('boom');
    })
    .get('/v1/hangs', () => undefined)
    .get(['/health/live', '/metrics'], (_req, res) => void res.send('ok'));
  return { app, lines };
}

async function lineFor(lines: Record<string, unknown>[], id: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const line = lines.find((candidate) => (candidate.req as { id?: string }).id === id);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no request line for ${id}: ${JSON.stringify(lines)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('requestLog', () => {
  it('writes one line when the response is over, with the id it echoes, the route, the status and what the handler added', async () => {
    const { app, lines } = loggedApp();
    const response = await request(app).post('/v1/emails').expect(202);
    const id = response.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await lineFor(lines, id)).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id, method: 'POST', url: '/v1/emails' },
      res: { statusCode: 202 },
      route: '/v1/emails',
      emailId: 'e-1',
      responseTime: expect.any(Number),
    });
    expect(lines).toHaveLength(1);
  });

  it("keeps a caller's plain X-Request-Id, replaces one unfit for a log line, and redacts addresses in the URL", async () => {
    const { app, lines } = loggedApp();
    await request(app).get('/v1/suppressions/ann@example.com').set('X-Request-Id', 'trace-42').expect('X-Request-Id', 'trace-42');
    expect(await lineFor(lines, 'trace-42')).toMatchObject({
      level: 40,
      req: { url: '/v1/suppressions/[redacted]' },
      route: '/v1/suppressions/:email',
      res: { statusCode: 404 },
    });
    const replaced = await request(app).get('/v1/suppressions/x').set('X-Request-Id', 'no spaces\tor tabs');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs a 5xx as an error', async () => {
    const { app, lines } = loggedApp();
    const response = await request(app).get('/v1/fails').expect(500);
    expect(await lineFor(lines, response.headers['x-request-id'])).toMatchObject({ level: 50, res: { statusCode: 500 } });
  });

  it('writes "request aborted" when the client goes away before the answer', async () => {
    const { app, lines } = loggedApp();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = httpRequest({ port, host: '127.0.0.1', path: '/v1/hangs', headers: { 'X-Request-Id': 'gone' } });
      client.on('error', () => undefined);
      client.end();
      await new Promise((resolve) => server.once('request', resolve));
      client.destroy();
      expect(await lineFor(lines, 'gone')).toMatchObject({ level: 40, msg: 'request aborted', route: '/v1/hangs' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('leaves probes and scrapes out: no line and no request id', async () => {
    const { app, lines } = loggedApp();
    for (const path of ['/health/live', '/metrics', '/metrics/']) {
      const response = await request(app).get(path).expect(200);
      expect(response.headers['x-request-id']).toBeUndefined();
    }
    await request(app).post('/v1/emails').set('X-Request-Id', 'after-probes').expect(202);
    await lineFor(lines, 'after-probes');
    expect(lines).toHaveLength(1);
  });
});
