import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Node = Record<string, unknown>;

interface Media {
  schema?: Node;
}
interface HeaderObject {
  $ref?: string;
  required?: boolean;
  schema?: Node;
}
interface ResponseObject {
  content?: Record<string, Media>;
  headers?: Record<string, HeaderObject>;
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
  components: { schemas: Record<string, Node>; headers?: Record<string, HeaderObject> };
}

/** An answer as the test received it: status, headers, and the body as parsed or as bytes. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON for JSON media types, the text for text, a Buffer for binary. */
  body: unknown;
}

const BASE = 'https://openapi.test/components/schemas/';

/**
 * OpenAPI 3.0's schema dialect as JSON Schema (draft-07, what ajv reads by default): `nullable`
 * becomes "or null" (around enums and `allOf` references too), the boolean `exclusiveMinimum`
 * the numeric one, component references absolute ids; `example` and the `binary` format, which
 * constrain nothing in JSON, are left out.
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Node = {};
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'example' || key === 'nullable' || key === 'discriminator') continue;
    if (key === 'format' && value === 'binary') continue;
    if (key === '$ref') out.$ref = String(value).replace('#/components/schemas/', BASE);
    else if (key === 'properties')
      out.properties = Object.fromEntries(
        Object.entries(value as Node).map(([p, s]) => [p, toJsonSchema(s)]),
      );
    else out[key] = toJsonSchema(value);
  }
  for (const bound of ['Minimum', 'Maximum'] as const) {
    const lower = bound.toLowerCase();
    if (out[`exclusive${bound}`] === true) {
      out[`exclusive${bound}`] = out[lower];
      delete out[lower];
    } else if (out[`exclusive${bound}`] === false) delete out[`exclusive${bound}`];
  }
  return (node as Node).nullable === true ? { anyOf: [{ type: 'null' }, out] } : out;
}

/**
 * Checks real answers against the operation that documents them: the status is documented, the
 * media type is one the document lists, the body satisfies its schema (JSON, text or bytes), a
 * response without content has no body, and every required header is there. Remembers which
 * operations it has seen answer successfully, for the coverage check.
 */
export class ResponseValidator {
  readonly ajv: Ajv;
  readonly covered = new Set<string>();
  private readonly compiled = new Map<Node, ValidateFunction>();

  constructor(readonly doc: OpenApiDoc) {
    this.ajv = new Ajv({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictTuples: false,
      strictRequired: false,
    });
    addFormats(this.ajv);
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      this.ajv.addSchema(toJsonSchema(schema) as Node, `${BASE}${name}`);
    }
  }

  /** Every documented operation, as "GET /v1/records/{recordId}". */
  operations(): string[] {
    return Object.entries(this.doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
  }

  /** Problems of one answer of `method path` (a path template of the document); empty: it conforms. */
  problems(method: string, path: string, answer: Answer): string[] {
    const op = this.doc.paths[path]?.[method.toLowerCase()];
    if (!op) return [`${method} ${path} is not in the document`];
    const response = op.responses[String(answer.status)];
    if (!response) return [`status ${answer.status} is not documented`];
    const problems = [
      ...this.headerProblems(response, answer),
      ...this.bodyProblems(response, answer),
    ];
    if (problems.length === 0 && answer.status < 300)
      this.covered.add(`${method.toUpperCase()} ${path}`);
    return problems;
  }

  private headerProblems(response: ResponseObject, answer: Answer): string[] {
    const problems: string[] = [];
    for (const [name, declared] of Object.entries(response.headers ?? {})) {
      const header = declared.$ref
        ? this.doc.components.headers?.[declared.$ref.split('/').pop() ?? '']
        : declared;
      const value = answer.headers[name.toLowerCase()];
      if (!header) problems.push(`header ${name}: unresolved ${declared.$ref}`);
      else if (value === undefined) {
        if (header.required) problems.push(`header ${name} is documented as required but absent`);
      } else if (header.schema) {
        // A header is text: an integer header is read as the number it spells.
        const text = String(value);
        const read = header.schema.type === 'integer' && /^\d+$/.test(text) ? Number(text) : text;
        if (!this.validator(header.schema)(read))
          problems.push(`header ${name}: ${text} is not ${JSON.stringify(header.schema)}`);
      }
    }
    return problems;
  }

  private bodyProblems(response: ResponseObject, answer: Answer): string[] {
    const contentType = String(answer.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    const media = Object.entries(response.content ?? {});
    if (media.length === 0) {
      const empty =
        answer.body === undefined ||
        answer.body === '' ||
        (Buffer.isBuffer(answer.body) && answer.body.length === 0) ||
        (typeof answer.body === 'object' && Object.keys(answer.body as object).length === 0);
      return empty && !contentType ? [] : [`a body (${contentType}) where none is documented`];
    }
    const match = media.find(([type]) => type === contentType);
    if (!match)
      return [`media type ${contentType}, documented: ${media.map(([t]) => t).join(', ')}`];
    const schema = match[1].schema;
    if (!schema) return [`no schema for ${contentType}`];
    if (schema.format === 'binary') {
      return Buffer.isBuffer(answer.body) && answer.body.length > 0 ? [] : ['an empty binary body'];
    }
    const validate = this.validator(schema);
    if (validate(answer.body)) return [];
    return (validate.errors ?? []).map(
      (e) => `body${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
  }

  /** A compiled validator of one response schema (compiled once per schema object). */
  validator(schema: Node): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as Node);
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}
