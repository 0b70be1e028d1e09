import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment, IDeployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, IContainer, IProbe, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { EnvironmentSchema } from '../src/config/environment.schema';
import { ConfigurationError, loadConfig } from '../src/config/config.module';
import { newApiKey } from './support/api-keys';
import { redoclyLint } from './support/openapi-lint';
import { pollUntil } from './support/poll';
import { testDatabase } from './support/postgres';
import { ProductionBuild } from './support/production-build';
import { ThrowawayRedis } from './support/redis';
import { ServiceProcess } from './support/service-process';

const ROOT = join(__dirname, '..');
const MANIFESTS = join(ROOT, 'deploy', 'k8s');
const KUSTOMIZATION = 'kustomization.yaml';
const EXAMPLE_SECRET = 'secret.example.yaml';
/** What the Secret's REDIS_URL and DATABASE_URL hold in the checks of the pods' configuration. */
const REALISTIC_REDIS_URL = 'rediss://:a-long-redis-password@redis.mailroute.svc:6379/0';
const REALISTIC_DATABASE_URL = 'postgres://mailroute:a-long-database-password@postgres.mailroute.svc:5432/mailroute';

interface KubernetesObject {
  apiVersion: string;
  kind: string;
}

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: object): { validate(): void };
}

/** Every Kubernetes object in deploy/k8s (the kustomization itself is kustomize's, not the cluster's). */
const objects = readdirSync(MANIFESTS)
  .filter((file) => file.endsWith('.yaml') && file !== KUSTOMIZATION)
  .flatMap((file) => readYaml(file).map((object) => ({ file, object: object as KubernetesObject })));

const ofKind = <T>(is: (value: unknown) => value is T): T[] => objects.map(({ object }): unknown => object).filter(is);
const configMap = only(ConfigMap.is, 'mailroute');
const secret = only(Secret.is, 'mailroute');
const deployments = ofKind(Deployment.is);
const deployment = (name: string) => only(Deployment.is, name);
const containerEnvNames = () =>
  deployments.flatMap((each) => containersOf(each).flatMap((container) => (container.env ?? []).map((variable) => variable.name)));

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('are valid objects of known kinds, by the Kubernetes API schemas', () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const { file, object } of objects) {
      const Model = modelFor(object.apiVersion, object.kind);
      expect({ file, known: Model !== undefined }).toEqual({ file, known: true });
      expect(() => new Model!(object).validate()).not.toThrow();
    }
  });

  it('schema validation refuses wrong types and unknown kinds (the check is not a no-op)', () => {
    const broken = structuredClone(deployment('mailroute-api')) as unknown as {
      spec: { replicas: unknown; template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } };
    };
    broken.spec.replicas = 'two';
    broken.spec.template.spec.containers[0].ports[0].containerPort = '3000';
    expect(() => new Deployment(broken as IDeployment).validate()).toThrow(/spec\/replicas must be integer/);
    expect(() => new Deployment(broken as IDeployment).validate()).toThrow(/containerPort must be integer/);
    expect(modelFor('apps/v1', 'Deploymnet')).toBeUndefined();
    expect(modelFor('autoscaling/v9', 'HorizontalPodAutoscaler')).toBeUndefined();
  });

  it('kustomization.yaml applies every manifest except the example Secret', () => {
    const [kustomization] = readYaml(KUSTOMIZATION) as { resources: string[] }[];
    const manifests = readdirSync(MANIFESTS).filter(
      (file) => file.endsWith('.yaml') && ![KUSTOMIZATION, EXAMPLE_SECRET].includes(file),
    );
    expect([...kustomization.resources].sort()).toEqual(manifests.sort());
  });

  it('sets only environment variables that mailroute reads', () => {
    const names = [
      ...Object.keys(configMap.data ?? {}),
      ...Object.keys({ ...secret.data, ...secret.stringData }),
      ...containerEnvNames(),
    ];
    expect(names.filter((name) => !isKnownVariable(name))).toEqual([]);
  });

  it('keeps every secret in the Secret, none in the ConfigMap or a Deployment', () => {
    const secrets = SCHEMA_VARIABLES.filter(acceptsFile);
    expect(secrets).toEqual(expect.arrayContaining(['REDIS_URL', 'DATABASE_URL', 'API_KEYS', 'SENDGRID_API_KEY']));
    const inPlainSight = [
      ...Object.keys(configMap.data ?? {}),
      ...containerEnvNames(),
    ];
    expect(inPlainSight.filter((name) => secrets.includes(name))).toEqual([]);
  });

  it('the example Secret cannot start mailroute until its placeholders are replaced', () => {
    const refusal = catchError(() => loadConfig({ ...configMap.data, ...secret.stringData }));
    expect(refusal).toBeInstanceOf(ConfigurationError);
    for (const variable of ['REDIS_URL', 'DATABASE_URL', 'API_KEYS', 'WEBHOOK_SECRET']) expect(refusal?.message).toContain(variable);
  });

  describe.each([
    ['mailroute-api', 'api'],
    ['mailroute-worker', 'worker'],
  ])('%s', (name, role) => {
    const containers = () => containersOf(deployment(name));
    const configOf = (container: IContainer) => loadConfig(podEnvironment(container, realisticSecretValues()));

    it(`runs mailroute in the ${role} role, with a configuration mailroute accepts`, () => {
      for (const container of containers()) {
        const config = configOf(container);
        expect(config.role).toBe(role);
        expect(config.http.host).toBe('0.0.0.0');
        expect(config.log.pretty).toBe(false);
      }
    });

    it('takes the Redis and the PostgreSQL every pod shares from the Secret: the image starts neither', () => {
      for (const container of containers()) {
        const { redis, database } = configOf(container);
        expect({ redis: redis.url, database: database.url }).toEqual({ redis: REALISTIC_REDIS_URL, database: REALISTIC_DATABASE_URL });
      }
    });

    it('probes /health/live and /health/ready on the port mailroute listens on', () => {
      for (const container of containers()) {
        const { port } = configOf(container).http;
        expect(probeTarget(container, container.livenessProbe)).toEqual({ path: '/health/live', port });
        expect(probeTarget(container, container.readinessProbe)).toEqual({ path: '/health/ready', port });
        if (container.startupProbe) expect(probeTarget(container, container.startupProbe)).toEqual({ path: '/health/live', port });
      }
    });

    it('asks for resources and runs as a non-root user with a read-only root file system', () => {
      const pod = deployment(name).spec!.template.spec!;
      for (const container of containers()) {
        expect(container.resources?.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
        expect(container.resources?.limits).toEqual(expect.objectContaining({ memory: expect.any(String) }));
        const security = { ...pod.securityContext, ...container.securityContext };
        expect(security.runAsNonRoot).toBe(true);
        expect(security.runAsUser).not.toBe(0);
        expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      }
    });

    it("gives a stopping pod longer than mailroute's shutdown timeout, itself longer than a send", () => {
      const gracePeriodSeconds = deployment(name).spec!.template.spec!.terminationGracePeriodSeconds ?? 30;
      for (const container of containers()) {
        const config = configOf(container);
        expect(gracePeriodSeconds).toBeGreaterThan(config.shutdownTimeoutMs / 1000);
        expect(config.shutdownTimeoutMs).toBeGreaterThanOrEqual(config.providers.sendTimeoutMs);
      }
    });

    it('runs the image of this release and is scraped where mailroute serves metrics', () => {
      const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      const annotations = deployment(name).spec!.template.metadata?.annotations ?? {};
      for (const container of containers()) {
        expect(container.image).toBe(`ghcr.io/mailroute/mailroute:${version}`);
        expect(annotations).toMatchObject({ 'prometheus.io/path': '/metrics', 'prometheus.io/port': String(configOf(container).http.port) });
      }
    });
  });

  it('the Service sends traffic to api pods only, on the port the API listens on', () => {
    const service = only(Service.is, 'mailroute');
    const selector = service.spec!.selector!;
    expect(selected(selector, deployment('mailroute-api'))).toBe(true);
    expect(selected(selector, deployment('mailroute-worker'))).toBe(false);
    const [api] = containersOf(deployment('mailroute-api'));
    const [port] = service.spec!.ports!;
    expect(resolvePort(api, port.targetPort!)).toBe(configOfApi().http.port);
  });

  it('each disruption budget and autoscaler covers one deployment and still lets a node drain', () => {
    for (const budget of ofKind(PodDisruptionBudget.is)) {
      const covered = deployments.filter((each) => selected(budget.spec!.selector!.matchLabels!, each));
      expect({ budget: budget.metadata!.name, covers: covered.length }).toEqual({ budget: budget.metadata!.name, covers: 1 });
      const autoscaler = autoscalerOf(covered[0]);
      const fewestReplicas = autoscaler?.spec!.minReplicas ?? covered[0].spec!.replicas ?? 1;
      if (typeof budget.spec!.minAvailable === 'number') expect(fewestReplicas).toBeGreaterThan(budget.spec!.minAvailable);
    }
    const autoscalers = ofKind(HorizontalPodAutoscaler.is);
    expect(autoscalers.length).toBeGreaterThan(0);
    for (const autoscaler of autoscalers) {
      const { kind, name } = autoscaler.spec!.scaleTargetRef;
      expect(kind).toBe('Deployment');
      const target = deployment(name);
      expect(target.spec!.replicas).toBeGreaterThanOrEqual(autoscaler.spec!.minReplicas ?? 1);
      expect(target.spec!.replicas).toBeLessThanOrEqual(autoscaler.spec!.maxReplicas);
      // CPU utilisation is measured against the request: without one the autoscaler cannot act.
      const onCpu = autoscaler.spec!.metrics?.some((metric) => metric.resource?.name === 'cpu');
      if (onCpu) for (const container of containersOf(target)) expect(container.resources?.requests?.cpu).toBeDefined();
    }
  });
});

describe('Dockerfile', () => {
  const instructions = dockerInstructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const stages = splitStages(instructions);
  const final = stages[stages.length - 1];

  it('builds in one stage and runs the compiled entry point as a non-root user in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const users = final.filter(({ keyword }) => keyword === 'USER').map(({ argument }) => argument.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users[users.length - 1]);
    const [cmd] = final.filter(({ keyword }) => keyword === 'CMD').slice(-1);
    expect(JSON.parse(cmd.argument)).toEqual(['node', 'dist/main']);
  });

  it('copies dist/ from an earlier stage and installs no dev dependencies in the final one', () => {
    const earlierStages = stages.slice(0, -1).map((stage) => stage[0].argument.split(/\s+as\s+/i)[1]);
    const copiedFrom = final
      .filter(({ keyword, argument }) => keyword === 'COPY' && /\bdist\b/.test(argument))
      .map(({ argument }) => /--from=(\S+)/.exec(argument)?.[1]);
    expect(copiedFrom.length).toBeGreaterThan(0);
    for (const stage of copiedFrom) expect(earlierStages).toContain(stage);
    const installs = final.filter(({ keyword, argument }) => keyword === 'RUN' && /\bnpm (ci|install)\b/.test(argument));
    expect(installs.length).toBeGreaterThan(0);
    for (const { argument } of installs) expect(argument).toMatch(/--omit=dev\b/);
  });

  it('installs neither a Redis nor a PostgreSQL server, which the manifests point to through the Secret instead', () => {
    const runs = final.filter(({ keyword }) => keyword === 'RUN').map(({ argument }) => argument);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.filter((run) => /\b(redis-server|redis|postgresql(-\d+)?|postgres)\b/.test(run))).toEqual([]);
  });

  it('exposes the port the Kubernetes probes use', () => {
    const exposed = final.filter(({ keyword }) => keyword === 'EXPOSE').map(({ argument }) => Number(argument));
    expect(exposed).toContain(configOfApi().http.port);
  });

  it('.dockerignore keeps local installs, builds, data and secrets out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.env', '.git']));
  });
});

describe('the production build (nest build, as in the image)', () => {
  let build: ProductionBuild;
  let redis: ThrowawayRedis;
  /** The database both processes share, as every pod shares the Secret's DATABASE_URL. */
  let databaseUrl: string;
  // One outbox per process: where the .eml lands tells which process delivered.
  let outboxes: { api: string; worker: string };
  let api: ServiceProcess;
  let worker: ServiceProcess;
  const client = newApiKey('deploy-test', 'send');

  // The build alone takes a while on a 2-core machine, more when other test files run beside it. One step
  // at a time, so that afterAll stops whatever started before a failure.
  beforeAll(async () => {
    [redis, databaseUrl] = await Promise.all([ThrowawayRedis.start(), testDatabase()]);
    build = await ProductionBuild.build();
    outboxes = { api: mkdtempSync(join(tmpdir(), 'mailroute-outbox-')), worker: mkdtempSync(join(tmpdir(), 'mailroute-outbox-')) };
    api = await ServiceProcess.start(processEnvironment('mailroute-api', outboxes.api), { entry: build.entry });
    worker = await ServiceProcess.start(processEnvironment('mailroute-worker', outboxes.worker), { entry: build.entry });
  }, 300_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await redis?.stop();
    build?.remove();
    for (const outbox of Object.values(outboxes ?? {})) rmSync(outbox, { recursive: true, force: true });
  }, 60_000);

  /** The pod's environment from the manifests, with the outbox standing in for the providers. */
  function processEnvironment(name: string, outbox: string): Record<string, string> {
    const [container] = containersOf(deployment(name));
    // ServiceProcess chooses HOST and PORT: loopback, and a free port.
    const { HOST, PORT, ...env } = podEnvironment(container, { REDIS_URL: redis.url, DATABASE_URL: databaseUrl, API_KEYS: client.entry });
    return { ...env, NODE_ENV: 'production', MAIL_PROVIDERS: 'outbox', MAIL_OUTBOX_DIR: outbox };
  }

  it('requires at run time only packages that `npm ci --omit=dev` installs', () => {
    const { packages } = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
    };
    const installed = (name: string) => {
      const locked = packages[`node_modules/${name}`];
      return locked !== undefined && !locked.dev && !locked.devOptional;
    };
    const required = build.requiredPackages();
    expect(required).toContain('@nestjs/core');
    expect(required.filter((name) => !installed(name))).toEqual([]);
  });

  it('is ready in both roles; the worker serves probes but not the API', async () => {
    for (const service of [api, worker]) expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    const fromWorker = await fetch(`${worker.url}/v1/emails`, { headers: { authorization: client.bearer } });
    expect(fromWorker.status).toBe(404);
  });

  it('answers the metrics scrape its pod annotations ask for, in both roles', async () => {
    for (const [name, service] of [['mailroute-api', api], ['mailroute-worker', worker]] as const) {
      const path = deployment(name).spec!.template.metadata!.annotations!['prometheus.io/path'];
      const scrape = await fetch(`${service.url}${path}`);
      expect({ name, status: scrape.status }).toEqual({ name, status: 200 });
      expect(await scrape.text()).toMatch(/^# HELP /m);
    }
  });

  it('documents the request body of POST /v1/emails (the Swagger plugin ran in the build)', async () => {
    const document = (await (await fetch(`${api.url}/docs-json`)).json()) as OpenApiDocument;
    const body = document.paths['/v1/emails'].post.requestBody.content['application/json'].schema;
    expect(body.$ref).toBe('#/components/schemas/SendEmailRequest');
    // subject has no @ApiProperty: only the plugin reads its type, its @Length and its doc comment.
    expect(document.components.schemas.SendEmailRequest.properties.subject).toMatchObject({
      type: 'string',
      minLength: 1,
      maxLength: 998,
      example: 'Your order has shipped 📦',
    });
  });

  it("serves an API document that redocly lint's recommended rules pass without an error or a warning", async () => {
    const document = (await (await fetch(`${api.url}/docs-json`)).json()) as object;
    expect(await redoclyLint(document)).toEqual([]);
  });

  it('accepts a message on the api and delivers it from the worker', async () => {
    const headers = { authorization: client.bearer, 'content-type': 'application/json' };
    const message = { from: 'app@example.com', to: ['ann@example.com'], subject: 'From the image', text: 'Hello' };
    const accepted = await fetch(`${api.url}/v1/emails`, { method: 'POST', headers, body: JSON.stringify(message) });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };

    const read = async () => (await (await fetch(`${api.url}/v1/emails/${id}`, { headers })).json()) as { status: string; provider?: string };
    const sent = await pollUntil(read, (email) => ['sent', 'failed'].includes(email.status), { timeoutMs: 20_000 });
    expect(sent).toMatchObject({ status: 'sent', provider: 'outbox' });
    const delivered = (outbox: string) => readdirSync(outbox).filter((file) => file.endsWith(`${id}.eml`));
    expect(delivered(outboxes.worker)).toHaveLength(1);
    expect(delivered(outboxes.api)).toHaveLength(0);
  });
});

interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: { $ref?: string } }> } }>>;
  components: { schemas: Record<string, { properties: Record<string, object> }> };
}

function readYaml(file: string): unknown[] {
  // YAML 1.1, as kubectl reads it: there `yes` or `on` unquoted would be a boolean, not a string.
  return parseAllDocuments(readFileSync(join(MANIFESTS, file), 'utf8'), { version: '1.1' }).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
    return document.toJS() as unknown;
  }).filter((object) => object !== null);
}

/** The kubernetes-models class for an apiVersion and kind, or undefined when the package has none. */
function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  if (!/^([a-z0-9.-]+\/)?v\d+[a-z0-9]*$/.test(apiVersion)) return undefined;
  let models: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module to load is named by the manifest's apiVersion
    models = require(`kubernetes-models/${apiVersion}`) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const model = models[kind] as ModelClass | undefined;
  return typeof model === 'function' && model.apiVersion === apiVersion && model.kind === kind ? model : undefined;
}

function only<T extends { metadata?: { name?: string } }>(is: (value: unknown) => value is T, name: string): T {
  const found = ofKind(is).filter((object) => object.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one object named ${name} of that kind in deploy/k8s, found ${found.length}`);
  return found[0];
}

function catchError(action: () => unknown): Error | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

function containersOf(each: IDeployment): IContainer[] {
  const pod = each.spec!.template.spec!;
  return [...(pod.initContainers ?? []), ...pod.containers];
}

const SCHEMA_VARIABLES = Object.keys(new EnvironmentSchema());

/** Whether mailroute takes `variable` from a file named by `variable_FILE`: only secrets do. */
function acceptsFile(variable: string): boolean {
  try {
    loadConfig({ [`${variable}_FILE`]: join(tmpdir(), 'mailroute-no-such-file') });
    return false;
  } catch (error) {
    return (error as Error).message.includes(`${variable}_FILE cannot be read`);
  }
}

function isKnownVariable(name: string): boolean {
  if (SCHEMA_VARIABLES.includes(name)) return true;
  const base = name.replace(/_FILE$/, '');
  return base !== name && SCHEMA_VARIABLES.includes(base) && acceptsFile(base);
}

/** Real-looking values for the example Secret's keys (its own are placeholders mailroute refuses). */
function realisticSecretValues(): Record<string, string> {
  const values: Record<string, string> = {
    REDIS_URL: REALISTIC_REDIS_URL,
    DATABASE_URL: REALISTIC_DATABASE_URL,
    API_KEYS: newApiKey('billing', 'send').entry,
    SENDGRID_API_KEY: 'SG.a-sendgrid-api-key',
    MAILGUN_API_KEY: 'a-mailgun-api-key',
    SMTP_URL: 'smtps://mailer:a-long-smtp-password@smtp.example.com:465',
    WEBHOOK_SECRET: 'a-webhook-secret-of-32-characters',
  };
  return Object.fromEntries(
    Object.keys({ ...secret.data, ...secret.stringData }).map((key) => {
      if (!(key in values)) throw new Error(`add a realistic test value for the Secret's ${key}`);
      return [key, values[key]];
    }),
  );
}

/** What the container's process sees: envFrom the ConfigMap and Secret, then its own env entries. */
function podEnvironment(container: IContainer, secretValues: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      expect(source.configMapRef.name).toBe(configMap.metadata!.name);
      Object.assign(env, configMap.data);
    }
    if (source.secretRef) {
      expect(source.secretRef.name).toBe(secret.metadata!.name);
      Object.assign(env, secretValues);
    }
  }
  for (const variable of container.env ?? []) {
    expect(variable.value).toBeDefined();
    env[variable.name] = variable.value!;
  }
  return env;
}

function configOfApi() {
  const [container] = containersOf(deployment('mailroute-api'));
  return loadConfig(podEnvironment(container, realisticSecretValues()));
}

function probeTarget(container: IContainer, probe: IProbe | undefined): { path?: string; port?: number } {
  if (!probe?.httpGet) return {};
  return { path: probe.httpGet.path, port: resolvePort(container, probe.httpGet.port) };
}

/** A port given by number, or by the name of one of the container's ports. */
function resolvePort(container: IContainer, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((each) => each.name === port)?.containerPort;
}

/** Whether a label selector picks the deployment's pods. */
function selected(selector: Record<string, string>, each: IDeployment): boolean {
  const labels = each.spec!.template.metadata?.labels ?? {};
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function autoscalerOf(target: IDeployment) {
  return ofKind(HorizontalPodAutoscaler.is).find((autoscaler) => autoscaler.spec!.scaleTargetRef.name === target.metadata!.name);
}

interface DockerInstruction {
  keyword: string;
  argument: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function dockerInstructions(source: string): DockerInstruction[] {
  return source
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), argument: rest.join(' ') };
    });
}

/** One list of instructions per FROM, each starting with its FROM. */
function splitStages(instructions: DockerInstruction[]): DockerInstruction[][] {
  return instructions.reduce<DockerInstruction[][]>((stages, instruction) => {
    if (instruction.keyword === 'FROM') stages.push([instruction]);
    else stages[stages.length - 1]?.push(instruction);
    return stages;
  }, []);
}
