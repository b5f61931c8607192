import type { OpenAPIObject } from '@nestjs/swagger';
import { HTTP_STATUS_BY_CATEGORY } from 'src/common/domain-error.filter';

type Operation = {
  parameters?: { in: string }[];
  security?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
};

/** The body of every error answer (ErrorBody in domain-error.filter.ts), as a JSON Schema. */
type Schema = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

const ERROR_BODY_SCHEMA: Schema = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: {
          type: 'string',
          enum: Object.keys(HTTP_STATUS_BY_CATEGORY),
          description: 'What kind of error: one code per HTTP status.',
        },
        message: { type: 'string', description: 'What is wrong, in words.' },
        requestId: {
          type: 'string',
          description: 'The request id, also in the X-Request-Id header: quote it in a report.',
        },
        errorId: {
          type: 'string',
          description: 'On a 500: the id of the log line that holds the failure.',
        },
        fields: {
          type: 'array',
          description: 'On a 422: each field that is wrong and what is wrong with it.',
          items: {
            type: 'object',
            required: ['field', 'problems'],
            properties: {
              field: { type: 'string' },
              problems: { type: 'array', items: { type: 'string' } },
            },
          },
        },
        details: { type: 'object', description: 'Further facts some errors give.' },
      },
    },
  },
};

const WHY: Record<number, string> = {
  400: 'Unreadable request: malformed JSON, text that is not valid UTF-8, or JSON nested too deeply.',
  401: 'No valid credentials: a missing, unknown, expired or revoked API key or session.',
  403: 'The credentials are valid but lack the scope, role or CSRF token this operation needs.',
  404: 'No such resource in your tenant.',
  409: 'The request conflicts with the state of the resource (for example, already done).',
  410: 'No longer served, and never will be again (for example, a report withdrawn after an erasure).',
  413: 'The body is larger than the service accepts (BODY_LIMIT).',
  415: 'The body is not application/json (or a form where one is accepted).',
  422: 'A field is missing or invalid: error.fields names each one and says what is wrong.',
  429: 'Too many requests for this key or client: wait for the Retry-After seconds.',
  500: 'An unexpected failure: nothing was written; error.errorId names it in the log.',
  503: 'The database or the queue is unreachable: nothing was written; try again.',
};

/**
 * The error answers an operation can give, from its shape: every operation can fail
 * unexpectedly or find the database down and can be rate-limited; one with credentials can
 * refuse them; one with a body (every POST) can refuse it unread or invalid; one with path or
 * query parameters can find them invalid or the resource absent; a POST can conflict.
 */
export function errorStatuses(method: string, path: string, op: Operation): number[] {
  const statuses = new Set([429, 500, 503]);
  if ((op.security ?? []).length > 0) [401, 403].forEach((s) => statuses.add(s));
  if (method === 'post') [400, 409, 413, 415, 422].forEach((s) => statuses.add(s));
  const params = op.parameters ?? [];
  // A path value can be unreadable (bad percent-encoding), malformed or name nothing.
  if (path.includes('{')) [400, 404, 422].forEach((s) => statuses.add(s));
  if (params.some((p) => p.in === 'query')) statuses.add(422);
  return [...statuses].sort((a, b) => a - b);
}

/**
 * Documents the error answers of every operation of the document, each with the ErrorBody
 * schema, unless the operation documents that status itself. The fuzz suite checks that no
 * operation answers a status its document does not list.
 */
export function documentErrors(document: OpenAPIObject): OpenAPIObject {
  document.components = document.components ?? {};
  document.components.schemas = { ...document.components.schemas, ErrorBody: ERROR_BODY_SCHEMA };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, value] of Object.entries(item as Record<string, Operation>)) {
      const op = value;
      const responses = (op.responses = op.responses ?? {}) as Record<
        string,
        { description?: string; content?: unknown }
      >;
      // The shape's statuses, and those a route declares itself (`@ApiResponse({ status: 410 })`).
      const declared = Object.keys(responses)
        .map(Number)
        .filter((s) => s >= 400);
      for (const status of new Set([...errorStatuses(method, path, op), ...declared])) {
        const known = responses[String(status)];
        if (known?.content) continue;
        responses[String(status)] = {
          description: known?.description ?? WHY[status],
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
        };
      }
    }
  }
  return document;
}
