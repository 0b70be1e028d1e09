import addFormats from 'ajv-formats';
import { request as httpRequest } from 'node:http';
import type { Middleware } from 'openapi-fetch';
import { OpenAPIBackend, SetMatchType } from 'openapi-backend';
import type { ErrorObject } from 'ajv';
import { MailrouteClient, createMailrouteClient } from '../../clients/typescript/src';
import { closedDocument } from './closed-schemas';
import { operationsOf } from './openapi-operations';

interface Header {
  required?: boolean;
  schema?: object;
}

interface DeclaredResponse {
  description?: string;
  headers?: Record<string, Header>;
  content?: Record<string, { schema?: object }>;
}

export interface Operation {
  operationId: string;
  security?: object[];
  responses: Record<string, DeclaredResponse>;
}

export interface ApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

/** One answer of the server, as the contract reads it. */
export interface Answer {
  method: string;
  /** The path as the document writes it: `/v1/emails/{id}`. */
  path: string;
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Which statuses each operation was seen to answer, across every app of a test file, to hold against
 * those its document declares.
 */
export class ContractLedger {
  private readonly seen = new Map<string, Set<string>>();
  private document?: string;

  /** Every app a file starts must serve the same document, or what one was seen to answer would prove nothing of another's. */
  servedBy(document: ApiDocument): void {
    const served = JSON.stringify(document);
    if (this.document !== undefined && this.document !== served) throw new Error('two apps of this file serve different API documents');
    this.document = served;
  }

  record(operationId: string, status: number): void {
    this.seen.set(operationId, (this.seen.get(operationId) ?? new Set()).add(String(status)));
  }

  /** `operationId status` for each status the document declares and no answer had. */
  unobserved(): string[] {
    if (this.document === undefined) throw new Error('no app served a document');
    return operationsOf(JSON.parse(this.document) as ApiDocument).flatMap(({ operationId, responses }) =>
      Object.keys(responses)
        .filter((status) => !this.seen.get(operationId)?.has(status))
        .map((status) => `${operationId} ${status}`),
    );
  }
}

/**
 * The API document a running mailroute serves, as a contract each of its answers is checked against: the
 * status must be one the operation declares, the body valid against that status's schema with no field
 * the document lacks (closedDocument), every header the document requires there present, every header
 * it declares valid, and no header it does not declare there (UNDESCRIBED_HEADERS aside).
 * Validation is openapi-backend's (Ajv), with formats (uuid, date-time) checked.
 */
export class ApiContract {
  private constructor(
    readonly document: ApiDocument,
    private readonly validator: OpenAPIBackend,
    private readonly ledger: ContractLedger,
  ) {}

  /** The document the app at `baseUrl` serves. */
  static async of(baseUrl: string, ledger: ContractLedger): Promise<ApiContract> {
    const served = await fetch(`${baseUrl}/docs-json`);
    if (!served.ok) throw new Error(`${baseUrl}/docs-json answered ${served.status}`);
    return ApiContract.for((await served.json()) as ApiDocument, ledger);
  }

  static async for(document: ApiDocument, ledger: ContractLedger): Promise<ApiContract> {
    ledger.servedBy(document);
    return new ApiContract(document, await validatorFor(document), ledger);
  }

  /** A typed client of the app (retrying nothing, so that every status is seen) whose every answer is checked. */
  client(baseUrl: string, apiKey?: string): MailrouteClient {
    const client = createMailrouteClient({ baseUrl, apiKey, retry: { retries: 0 } });
    client.use(this.middleware);
    return client;
  }

  /** Throws, naming each breach, when `answer` is not what the document says; records its status as seen. */
  check(answer: Answer): void {
    const problems = this.problems(answer);
    if (problems.length > 0) {
      throw new Error(`${answer.method} ${answer.path} answered ${answer.status} against the API document:\n- ${problems.join('\n- ')}\nbody: ${answer.body.slice(0, 2000)}`);
    }
  }

  private readonly middleware: Middleware = {
    onResponse: async ({ request, response, schemaPath }) => {
      const body = await response.clone().text();
      this.check({ method: request.method, path: schemaPath, status: response.status, headers: response.headers, body });
    },
  };

  private problems(answer: Answer): string[] {
    const operation = this.document.paths[answer.path]?.[answer.method.toLowerCase()];
    if (!operation) return ['the document has no such operation'];
    const declared = operation.responses[String(answer.status)];
    if (!declared) return [`${answer.status} is not a status the document declares for ${operation.operationId}`];
    this.ledger.record(operation.operationId, answer.status);
    return [...this.bodyProblems(operation, answer, declared), ...this.headerProblems(operation, answer, declared)];
  }

  private bodyProblems({ operationId }: Operation, { status, headers, body }: Answer, { content }: DeclaredResponse): string[] {
    if (!content) return body === '' ? [] : ['a body where the document declares none'];
    const mediaType = headers.get('content-type')?.split(';')[0].trim() ?? '(none)';
    if (!(mediaType in content)) return [`Content-Type ${mediaType}, not one the document declares (${Object.keys(content).join(', ')})`];
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return ['a body that is not JSON'];
    }
    return explained(this.validator.validateResponse(parsed, operationId, status).errors, 'body');
  }

  private headerProblems({ operationId }: Operation, { status, headers }: Answer, declared: DeclaredResponse): string[] {
    const names = Object.keys(declared.headers ?? {}).map((name) => name.toLowerCase());
    const missing = Object.entries(declared.headers ?? {})
      .filter(([name, header]) => header.required && !headers.has(name))
      .map(([name]) => `no ${name} header, which the document requires`);
    const undeclared = [...headers.keys()]
      .filter((name) => !UNDESCRIBED_HEADERS.has(name) && !names.includes(name))
      .map((name) => `a ${name} header, which the document does not declare for this status`);
    const invalid = this.validator.validateResponseHeaders(Object.fromEntries(headers), operationId, { statusCode: status, setMatchType: SetMatchType.Any });
    return [...missing, ...undeclared, ...explained(invalid.errors, 'headers')];
  }
}

/**
 * Headers the document need not describe: HTTP's own framing and caching, and the browser security
 * headers helmet puts on every answer. Any other header an answer carries must be declared for its status.
 */
const UNDESCRIBED_HEADERS = new Set([
  'connection',
  'content-length',
  'content-type',
  'date',
  'etag',
  'keep-alive',
  'transfer-encoding',
  'vary',
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
]);

const explained = (errors: ErrorObject[] | null | undefined, where: string) =>
  (errors ?? []).map(({ instancePath, message, params }) => `${where}${instancePath} ${message} ${JSON.stringify(params)}`);

/**
 * One validator per document, however many apps serve it: building one checks the whole document
 * against the OpenAPI schema, which takes a couple of seconds.
 */
const validators = new Map<string, Promise<OpenAPIBackend>>();

function validatorFor(document: ApiDocument): Promise<OpenAPIBackend> {
  const key = JSON.stringify(document);
  if (!validators.has(key)) validators.set(key, buildValidator(document));
  return validators.get(key)!;
}

async function buildValidator(document: ApiDocument): Promise<OpenAPIBackend> {
  // The closed copy holds propertyNames, which OpenAPI 3.0 lacks: the served document is the one that
  // must be valid OpenAPI, and a document that is not fails here rather than validating answers loosely.
  const served = new OpenAPIBackend({ definition: structuredClone(document) as never });
  await served.loadDocument();
  served.validateDefinition();
  const validator = new OpenAPIBackend({
    definition: closedDocument(document) as never,
    // Skips checking the closed copy against the OpenAPI schema (done above on the served one).
    quick: true,
    strict: true,
    // Formats are part of the contract: an id that is no UUID, or a time that is no date-time, fails.
    customizeAjv: (ajv) => addFormats(ajv),
  });
  await validator.init();
  return validator;
}

/**
 * One request through node:http, for what fetch will not send (a GET with a body), as an Answer for
 * ApiContract.check. `path` has no parameters: it is both the URL's path and the document's.
 */
export function rawAnswer(
  baseUrl: string,
  { method, path, headers = {}, body }: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Node frames a GET's body only when told its length.
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const request = httpRequest(new URL(path, baseUrl), { method, headers: { ...headers, ...length } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) answerHeaders.set(name, [value].flat().join(', '));
        resolve({ method, path, status: response.statusCode ?? 0, headers: answerHeaders, body: Buffer.concat(chunks).toString() });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}
