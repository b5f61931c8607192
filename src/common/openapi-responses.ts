import type { OpenAPIObject } from '@nestjs/swagger';

type Components = NonNullable<OpenAPIObject['components']>;
type Schema = NonNullable<Components['schemas']>[string];
type Node = Record<string, unknown>;

interface Response {
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: Node }>;
}

/** Headers that more than one answer carries, stated once and referenced. */
const HEADERS: Components['headers'] = {
  'X-Request-Id': {
    description:
      'The id of this request (the caller’s own X-Request-Id when it sent a sane one), also in the log and in an error body: quote it in a report.',
    required: true,
    schema: { type: 'string' },
  },
  'Cache-Control': {
    description:
      'Holds no-store on every answer of the API (/ready adds no-cache and must-revalidate): record texts, new keys and sessions must not outlive the request in a cache.',
    required: true,
    schema: { type: 'string', pattern: '(^|,)\\s*no-store\\s*(,|$)' },
  },
  'Retry-After': {
    description: 'Seconds to wait before the next attempt.',
    required: true,
    schema: { type: 'integer', minimum: 1 },
  },
};

/**
 * The document-wide part of the success answers, after documentErrors: the component schemas
 * that come from published JSON Schemas rather than DTO classes; every object of a success body
 * closed (`additionalProperties: false` where its schema says nothing), so a member the service
 * adds or drops without its DTO fails the response-schema test; the headers set for every answer
 * (X-Request-Id, and Cache-Control: no-store from http-app.ts) and for every 429 (Retry-After),
 * each stated once as a component and referenced.
 */
export function documentResponses(
  document: OpenAPIObject,
  schemas: Record<string, Schema>,
): OpenAPIObject {
  document.components = document.components ?? {};
  document.components.schemas = { ...document.components.schemas, ...schemas };
  document.components.headers = { ...document.components.headers, ...HEADERS };
  const closed = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(
      item as Record<string, { responses?: Record<string, Response> }>,
    )) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        response.headers = {
          ...response.headers,
          'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
          'Cache-Control': { $ref: '#/components/headers/Cache-Control' },
          ...(status === '429'
            ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } }
            : {}),
        };
        if (!/^2\d\d$/.test(status)) continue;
        for (const media of Object.values(response.content ?? {})) {
          if (media.schema) close(media.schema, document.components.schemas, closed);
        }
      }
    }
  }
  return document;
}

/** Closes every object schema below `node` that lists its properties and says nothing of others. */
function close(node: Node, schemas: Record<string, Schema>, done: Set<string>): void {
  const ref = node.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '');
    if (done.has(name)) return;
    done.add(name);
    const target = schemas[name] as Node | undefined;
    if (!target) throw new Error(`the document references ${ref}, which it does not define`);
    close(target, schemas, done);
    return;
  }
  if (node.properties && node.additionalProperties === undefined) node.additionalProperties = false;
  const children = [
    ...Object.values((node.properties ?? {}) as Record<string, Node>),
    ...(['allOf', 'oneOf', 'anyOf'] as const).flatMap((k) => (node[k] ?? []) as Node[]),
    ...[node.items, node.additionalProperties].filter(
      (child): child is Node => typeof child === 'object' && child !== null,
    ),
  ];
  for (const child of children) close(child, schemas, done);
}
