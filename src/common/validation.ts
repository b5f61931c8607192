import { ArgumentMetadata, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldProblem, ValidationFailedError } from 'src/common/domain-error';

/** Flattens class-validator's nested errors into one entry per offending field path. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    // Two constraints may say the same thing (a nested DTO's "must be an object" beside
    // @IsObject's): the caller reads it once.
    const problems = [...new Set(Object.values(error.constraints ?? {}))];
    if (problems.length > 0) out.push({ field, problems });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/**
 * Strict DTO validation for every route: unknown fields are errors (a typo in an audit request must
 * not be silently ignored), and payloads are transformed into their DTO classes.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationFailedError(flattenValidationErrors(errors)),
  });
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE = { test: (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text) };

/** Keys that would reach an object's prototype if a body were ever merged into one. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface TextProblem {
  path: string;
  problem: string;
}

/**
 * The first string or object key in `value` that PostgreSQL or canonical JSON cannot hold (a NUL
 * character, an unpaired surrogate), or a prototype key (`__proto__`, `constructor`,
 * `prototype`), which is refused like any field a request does not take. Walks with its own
 * stack, so no nesting can overflow the call stack.
 */
export function textProblem(value: unknown): TextProblem | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return { path: path || '(value)', problem: UNSTORABLE_PROBLEM };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i], path: path ? `${path}.${i}` : String(i) });
      }
    } else if (v && typeof v === 'object') {
      const entries: [string, unknown][] = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, member] = entries[i];
        const at = path ? `${path}.${key}` : key;
        if (UNSTORABLE.test(key)) return { path: at, problem: UNSTORABLE_PROBLEM };
        if (PROTOTYPE_KEYS.has(key)) {
          return { path: at, problem: 'is not a field this request takes' };
        }
        stack.push({ value: member, path: at });
      }
    }
  }
  return null;
}

const UNSTORABLE_PROBLEM =
  'contains a NUL character or an unpaired surrogate, which cannot be stored';

/**
 * Runs before DTO validation on every body, query and path parameter: text with a NUL
 * character or an unpaired UTF-16 surrogate is refused with a 422 naming the field, rather
 * than failing later in PostgreSQL (text columns cannot hold NUL) or in canonical JSON.
 */
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const found = textProblem(value);
    if (found) {
      const field =
        metadata.type === 'param' || found.path === '(value)'
          ? (metadata.data ?? found.path)
          : found.path;
      throw new ValidationFailedError([{ field, problems: [found.problem] }]);
    }
    return value;
  }
}
