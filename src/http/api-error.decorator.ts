import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, HeadersObject, ResponseObject, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

/** The error statuses the API answers with its JSON error body. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 503;

const REASONS: Record<ErrorStatus, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** Every 503 carries it (ServiceUnavailableFilter), a probe's too, and every 429. */
export const RETRY_AFTER: HeadersObject = {
  'Retry-After': { description: 'Seconds to wait before trying again.', required: true, schema: { type: 'integer', minimum: 0 } },
};

/**
 * The caller's rate-limit window. A refusal (429) always has them. Any other answer of a key route has
 * them once the request was counted: not one refused before the count (no key, a key without the
 * scope, a body over HTTP_BODY_LIMIT, a count Redis could not take), nor with the limit off
 * (API_RATE_LIMIT=0).
 */
export function rateLimitHeaders(required: boolean): HeadersObject {
  return {
    'X-RateLimit-Limit': { description: 'Requests allowed in the window (API_RATE_LIMIT).', required, schema: { type: 'integer', minimum: 1 } },
    'X-RateLimit-Remaining': { description: 'Requests left in the current window.', required, schema: { type: 'integer', minimum: 0 } },
    'X-RateLimit-Reset': { description: 'Seconds until the current window ends.', required, schema: { type: 'integer', minimum: 0 } },
  };
}

const HEADERS: Partial<Record<ErrorStatus, HeadersObject>> = {
  401: {
    'WWW-Authenticate': { description: 'The scheme the API expects: `Bearer realm="mailroute"`.', required: true, schema: { type: 'string' } },
  },
  429: { ...RETRY_AFTER, ...rateLimitHeaders(true) },
  503: RETRY_AFTER,
};

/**
 * Declares one error answer of a route: its status, when it happens, and an example of the body the
 * server sends for it (`message` a list of lines, one per bad field, or a sentence), with the headers
 * that status always carries. Each status shows its own example in Swagger UI instead of the schema's.
 */
export function ApiError(status: ErrorStatus, description: string, message: string | string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiExtraModels(ErrorResponseDto), ApiResponse({ status, ...errorResponse(status, description, message) }));
}

export function errorResponse(status: ErrorStatus, description: string, message: string | string[]): ResponseObject {
  return {
    description,
    headers: HEADERS[status],
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ErrorResponseDto) },
        example: { statusCode: status, error: REASONS[status], message },
      },
    },
  };
}
