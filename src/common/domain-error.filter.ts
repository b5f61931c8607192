import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isDatabaseUnreachable } from 'src/database/database.errors';
import type { Request, Response } from 'express';
import { DomainError, ErrorCategory, ValidationFailedError } from 'src/common/domain-error';

export const HTTP_STATUS_BY_CATEGORY: Record<ErrorCategory, number> = {
  malformed_request: HttpStatus.BAD_REQUEST,
  validation_failed: HttpStatus.UNPROCESSABLE_ENTITY,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  gone: HttpStatus.GONE,
  payload_too_large: HttpStatus.PAYLOAD_TOO_LARGE,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  internal: HttpStatus.INTERNAL_SERVER_ERROR,
};

const CATEGORY_BY_STATUS = new Map<number, ErrorCategory>(
  Object.entries(HTTP_STATUS_BY_CATEGORY).map(([category, status]) => [
    status,
    category as ErrorCategory,
  ]),
);

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    requestId?: string;
    errorId?: string;
    fields?: { field: string; problems: string[] }[];
    details?: Record<string, unknown>;
  };
}

/** Errors thrown by body-parser before Nest sees the request (bad JSON, too large, bad charset). */
interface BodyParserError {
  type: string;
  status: number;
  message: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

/**
 * The single place where failures become HTTP responses. Domain errors map by category; Nest's own
 * HTTP exceptions (unknown route, wrong method) keep their status; anything else is a 500 whose
 * error id is in both the response and the log line carrying the stack.
 */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    const { status, body } = this.toResponse(exception);
    if (request?.id !== undefined) body.error.requestId = String(request.id);
    if (response.headersSent) return;
    const retryAfter = body.error.details?.retryAfterSeconds;
    if ((status === 429 || status === 503) && typeof retryAfter === 'number') {
      response.setHeader('Retry-After', String(retryAfter));
    }
    response.status(status).json(body);
  }

  toResponse(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof DomainError) {
      const body: ErrorBody = { error: { code: exception.code, message: exception.message } };
      if (exception instanceof ValidationFailedError) body.error.fields = exception.fields;
      if (exception.details) body.error.details = exception.details;
      const status = HTTP_STATUS_BY_CATEGORY[exception.category];
      if (status >= 500) return this.serverError(exception, status, body);
      return { status, body };
    }
    // Express's adapter wraps body-parser's errors in HttpExceptions; the cause says what failed.
    const parserError = isBodyParserError(exception)
      ? exception
      : exception instanceof HttpException && isBodyParserError(exception.cause)
        ? exception.cause
        : null;
    if (parserError && parserError.status >= 400 && parserError.status < 500) {
      const tooLarge = parserError.type === 'entity.too.large';
      return {
        status: parserError.status,
        body: {
          error: {
            code: tooLarge ? 'payload_too_large' : 'malformed_request',
            // Never the parser's own message: it quotes the body's bytes back.
            message: tooLarge ? 'request body is larger than the limit' : bodyProblem(parserError),
          },
        },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const category =
        CATEGORY_BY_STATUS.get(status) ?? (status >= 500 ? 'internal' : 'malformed_request');
      const body: ErrorBody = { error: { code: category, message: exception.message } };
      if (status >= 500) return this.serverError(exception, status, body);
      return { status, body };
    }
    if (isDatabaseUnreachable(exception)) {
      return this.serverError(exception, 503, {
        error: {
          code: 'database_unavailable',
          message: 'the database is unavailable; nothing was done. Retry later',
          details: { retryAfterSeconds: 5 },
        },
      });
    }
    return this.serverError(exception, 500, {
      error: { code: 'internal', message: 'internal error' },
    });
  }

  private serverError(
    exception: unknown,
    status: number,
    body: ErrorBody,
  ): { status: number; body: ErrorBody } {
    const errorId = randomUUID();
    body.error.errorId = errorId;
    if (status === 500) body.error.message = 'internal error';
    this.logger.error(
      { errorId, err: exception instanceof Error ? exception : new Error(String(exception)) },
      `request failed (error id ${errorId})`,
    );
    return { status, body };
  }
}

/** What is wrong with an unreadable body, in words that quote none of it. */
function bodyProblem(error: BodyParserError): string {
  switch (error.type) {
    case 'body.invalid_utf8':
    case 'body.too_deep':
      return error.message;
    case 'entity.parse.failed':
      return 'the request body is not valid JSON';
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return 'the request body must be UTF-8, without a content encoding';
    default:
      return 'the request body cannot be read';
  }
}
