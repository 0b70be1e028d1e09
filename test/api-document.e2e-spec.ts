import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { operationsOf } from './support/openapi-operations';
import { useTestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const OPENAPI_TYPESCRIPT = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');

/** The openapi-typescript command of package.json's client:generate, writing to `output` instead. */
function clientGeneration(output: string): string[] {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const command = scripts['client:generate'].split(' && ').find((part) => part.startsWith('openapi-typescript '))!;
  const args = command.split(' ').slice(1);
  args[args.indexOf('--output') + 1] = output;
  return args;
}

interface Operation {
  operationId: string;
  security?: object[];
  parameters?: { name: string; example?: unknown; examples?: unknown; schema?: { example?: unknown } }[];
  responses: Record<string, { content?: Record<string, { example?: { statusCode?: number } }> }>;
}

interface Document {
  security: object[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object>; securitySchemes: Record<string, object> };
}

const operations = (document: Document) =>
  operationsOf(document).map(({ method, path, ...operation }) => ({ route: `${method} ${path}`, ...operation }));

/** Every `enum` under `value`, with where it is. */
function enumsIn(value: unknown, at: string): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const own = 'enum' in value ? [at] : [];
  return [...own, ...Object.entries(value).flatMap(([key, child]) => enumsIn(child, `${at}/${key}`))];
}

describe('the API document', () => {
  const running = useTestApp();
  let document: Document;

  beforeAll(async () => {
    document = (await running.app.http.get('/docs-json').expect(200)).body as Document;
  });

  it('names each operation as a client would', () => {
    expect(Object.fromEntries(operations(document).map(({ route, operationId }) => [route, operationId]))).toEqual({
      'POST /v1/emails': 'sendEmail',
      'GET /v1/emails': 'listEmails',
      'POST /v1/emails/batch': 'sendBatch',
      'GET /v1/emails/{id}': 'getEmail',
      'GET /v1/emails/{id}/events': 'listEmailEvents',
      'GET /v1/emails/{id}/content': 'getEmailContent',
      'POST /v1/emails/{id}/cancel': 'cancelEmail',
      'POST /v1/emails/{id}/resend': 'resendEmail',
      'GET /v1/suppressions': 'listSuppressions',
      'DELETE /v1/suppressions/{email}': 'removeSuppression',
      'POST /v1/inbound/sendgrid': 'receiveSendGridEvents',
      'POST /v1/inbound/mailgun': 'receiveMailgunEvent',
      'GET /v1/providers': 'listProviders',
      'GET /v1/providers/activity': 'listProviderActivity',
      'POST /v1/providers/{name}/disable': 'disableProvider',
      'POST /v1/providers/{name}/enable': 'enableProvider',
      'GET /v1/webhooks/deliveries': 'listWebhookDeliveries',
      'GET /v1/queue': 'getQueueDepth',
      'GET /health/live': 'checkLiveness',
      'GET /health/ready': 'checkReadiness',
    });
  });

  it('asks every operation for an opaque bearer key except the public ones, which say they need none', () => {
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      description: expect.any(String),
    });
    const publicRoutes = operations(document).filter(({ security }) => security !== undefined);
    expect(publicRoutes.map(({ route, security }) => [route, security])).toEqual([
      ['POST /v1/inbound/sendgrid', []],
      ['POST /v1/inbound/mailgun', []],
      ['GET /health/live', []],
      ['GET /health/ready', []],
    ]);
  });

  it('gives no parameter an example, so that "Try it out" sends no filter and no Idempotency-Key unless one is typed', () => {
    const withExamples = operations(document).flatMap(({ route, parameters = [] }) =>
      parameters.filter((parameter) => 'example' in parameter || 'examples' in parameter || 'example' in (parameter.schema ?? {})).map(({ name }) => `${route} ${name}`),
    );
    expect(withExamples).toEqual([]);
    const idempotencyKey = operations(document)
      .find(({ operationId }) => operationId === 'sendEmail')!
      .parameters!.find(({ name }) => name === 'Idempotency-Key');
    expect(idempotencyKey?.schema).toEqual({ type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]{1,255}$' });
  });

  it('shows each error status its own example, with that status in it', () => {
    const examples = operations(document).flatMap(({ route, responses }) =>
      Object.entries(responses)
        .filter(([status]) => /^[45]/.test(status))
        .map(([status, response]) => ({ route, status, example: response.content?.['application/json']?.example?.statusCode })),
    );
    expect(examples.length).toBeGreaterThan(60);
    // A probe's 503 is its report of the checks, not the error body.
    const errorBodies = examples.filter(({ route, status }) => !(route === 'GET /health/ready' && status === '503'));
    for (const { route, status, example } of errorBodies) {
      expect({ route, status, example }).toEqual({ route, status, example: Number(status) });
    }
  });

  it('defines each enum once, by name, for generated clients to share', () => {
    expect(enumsIn(document.paths, '#/paths')).toEqual([]);
    const schemas = document.components.schemas;
    const inline = Object.entries(schemas).flatMap(([name, schema]) => enumsIn((schema as { properties?: object }).properties, name));
    expect(inline).toEqual([]);
    for (const name of ['EmailStatus', 'EmailEventType', 'AttemptOutcome', 'BreakerState', 'SuppressionReason', 'WebhookDeliveryStatus']) {
      expect(schemas[name]).toMatchObject({ type: 'string', enum: expect.any(Array) });
    }
  });
});

describe('what the document declares of input, the server holds to', () => {
  const running = useTestApp();

  it.each(['abc', '0', '501', '2.5'])('refuses webhook deliveries with limit=%s, naming the field', async (limit) => {
    const { body } = await running.app.http.get(`/v1/webhooks/deliveries?limit=${limit}`).expect(400);
    expect(body.message).toEqual([expect.stringMatching(/^limit /)]);
  });

  it('answers a malformed message id with a 400 that names the field', async () => {
    const { body } = await running.app.http.post('/v1/emails/not-an-id/cancel').expect(400);
    expect(body).toEqual({ statusCode: 400, error: 'Bad Request', message: ['id must be a UUID'] });
  });
});

describe('the TypeScript client (clients/typescript)', () => {
  const running = useTestApp();
  const CLIENT = join(ROOT, 'clients', 'typescript');

  it('was generated from the document the service serves (`npm run client:generate` after an API change)', async () => {
    const served = (await running.app.http.get('/docs-json').expect(200)).body as object;
    expect(JSON.parse(readFileSync(join(CLIENT, 'openapi.json'), 'utf8'))).toEqual(served);
  });

  it('has the types openapi-typescript makes of that document', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailroute-client-'));
    try {
      const generated = join(dir, 'schema.ts');
      const generation = spawnSync(process.execPath, [OPENAPI_TYPESCRIPT, ...clientGeneration(generated)], { cwd: ROOT, encoding: 'utf8' });
      expect(generation.status).toBe(0);
      expect(readFileSync(join(CLIENT, 'src', 'schema.ts'), 'utf8')).toBe(readFileSync(generated, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the request examples Swagger UI fills in for "Try it out"', () => {
  const running = useTestApp();

  it.each(['/v1/emails', '/v1/emails/batch'])('are accepted as they are: %s', async (path) => {
    const { body: document } = await running.app.http.get('/docs-json').expect(200);
    const examples = Object.values(document.paths[path].post.requestBody.content['application/json'].examples as Record<string, { value: unknown }>);
    expect(examples.length).toBeGreaterThan(0);
    for (const { value } of examples) {
      const { body } = await running.app.http.post(path).send(value as object).expect(202);
      for (const result of [body].flat()) expect(result).toMatchObject({ id: expect.any(String), status: 'queued' });
    }
  });
});
