import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, OperationObject, ReferenceObject, ResponseObject, SwaggerModule } from '@nestjs/swagger';
import { TOO_MANY, UNAUTHORIZED } from '../auth/auth.module';
import { REQUEST_ID_HEADER, isQuietPath } from '../logging/logging.module';
import { errorResponse, rateLimitHeaders } from './api-error.decorator';
import { ErrorResponseDto } from './error-response.dto';

const BEARER = 'bearer';

const TAGS: [string, string][] = [
  ['emails', 'Send messages, follow them and cancel scheduled ones.'],
  ['suppressions', 'Addresses mailroute refuses to send to (admin).'],
  ['providers', 'The configured providers, their state and their switches (admin).'],
  ['webhooks', 'Deliveries of the webhooks mailroute sends to WEBHOOK_URL (admin).'],
  ['queue', 'The delivery and webhook queues: their depth, and the way to their dashboard (admin).'],
  ['inbound', "The providers' own event webhooks, verified by their signatures."],
  ['health', 'Kubernetes probes.'],
];

/**
 * The API's OpenAPI document, as /docs and /docs-json serve it and as clients are generated from it. A
 * route's handler name is its operationId (`sendEmail`, `listEmails`), so that generated clients have the
 * names one would write by hand.
 */
export function apiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('mailroute')
    .setDescription(
      'One API for email: every accepted message is stored before the answer, then delivered through the ' +
        'configured providers in priority order with failover and retries.',
    )
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addServer('/', 'This mailroute')
    .addSecurity(BEARER, { type: 'http', scheme: 'bearer', description: 'An API key from `npm run key:new`' })
    .addSecurityRequirements(BEARER);
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (_controller, method) => method,
    extraModels: [ErrorResponseDto],
  });
  return withCommonParts(document);
}

/** What holds for every operation, written once here rather than on each route. */
function withCommonParts(document: OpenAPIObject): OpenAPIObject {
  for (const [route, path] of Object.entries(document.paths)) {
    for (const operation of Object.values(path) as unknown[]) {
      if (!isOperation(operation)) continue;
      // @Public() marks its routes with an empty requirement; the document says "no key" as `security: []`.
      if (operation.security?.length === 1 && Object.keys(operation.security[0]).length === 0) operation.security = [];
      else withKeyAnswers(operation);
      // Probes get neither a log line nor its id (request-log.ts).
      if (isQuietPath(route)) continue;
      for (const response of responsesOf(operation)) {
        if (!('$ref' in response)) response.headers = { ...response.headers, [REQUEST_ID_HEADER]: REQUEST_ID };
      }
    }
  }
  return document;
}

/**
 * Every route that needs a key counts its caller's requests, and refuses a missing key or too many. A
 * counted request's answer tells the window, whatever its status (see rateLimitHeaders): not the 401,
 * which always comes before the count, and the 429 declares the headers as always there.
 */
function withKeyAnswers(operation: OperationObject): void {
  operation.responses[401] ??= errorResponse(401, 'No API key, or an unknown one.', UNAUTHORIZED);
  operation.responses[429] ??= errorResponse(429, 'Over API_RATE_LIMIT; see Retry-After.', TOO_MANY);
  for (const [status, response] of Object.entries(operation.responses) as [string, Response][]) {
    if (status === '401' || status === '429' || '$ref' in response) continue;
    response.headers = { ...response.headers, ...rateLimitHeaders(false) };
  }
}

type Response = ResponseObject | ReferenceObject;

const responsesOf = (operation: OperationObject) => Object.values(operation.responses) as Response[];

const isOperation = (value: unknown): value is OperationObject => typeof value === 'object' && value !== null && 'responses' in value;

const REQUEST_ID = {
  description: "The request's id, as its log line has it: the caller's own `X-Request-Id` when it sent a plain one.",
  required: true,
  schema: { type: 'string' },
} as const;
