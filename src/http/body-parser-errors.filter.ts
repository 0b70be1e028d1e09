import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { addToRequestLog } from '../logging/logging.module';

interface BodyParserError extends Error {
  type: string;
  status: number;
  expose: boolean;
}

const isBodyParserError = (error: unknown): error is BodyParserError =>
  error instanceof Error && typeof (error as BodyParserError).type === 'string' && (error as BodyParserError).expose === true;

/**
 * body-parser rejects oversized or malformed bodies before any controller runs; this turns its errors
 * into the same JSON error body every other 4xx has, instead of an unhandled-error log with a stack.
 * An unexpected error (Nest answers 500) also goes on its request's log line, so that the line found
 * by the request id says what failed.
 */
@Catch()
export class BodyParserErrorsFilter extends BaseExceptionFilter implements ExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (!isBodyParserError(exception)) {
      if (!(exception instanceof HttpException) && host.getType() === 'http') {
        addToRequestLog(host.switchToHttp().getResponse<Response>(), { err: exception });
      }
      return super.catch(exception, host);
    }
    const status = exception.status ?? HttpStatus.BAD_REQUEST;
    super.catch(new HttpException({ statusCode: status, error: errorName(status), message: exception.message }, status), host);
  }
}

function errorName(status: number): string {
  return status === HttpStatus.PAYLOAD_TOO_LARGE ? 'Payload Too Large' : 'Bad Request';
}
