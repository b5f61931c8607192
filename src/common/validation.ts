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

/** The path of the first string (or object key) in `value` that PostgreSQL or canonical JSON cannot hold. */
export function unstorableText(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path || '(value)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableText(value[i], path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (UNSTORABLE.test(key)) return at;
      const found = unstorableText(member, at);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Runs before DTO validation on every body, query and path parameter: text with a NUL
 * character or an unpaired UTF-16 surrogate is refused with a 422 naming the field, rather
 * than failing later in PostgreSQL (text columns cannot hold NUL) or in canonical JSON.
 */
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const found = unstorableText(value);
    if (found) {
      const field =
        metadata.type === 'param' || found === '(value)' ? (metadata.data ?? found) : found;
      throw new ValidationFailedError([
        {
          field,
          problems: ['contains a NUL character or an unpaired surrogate, which cannot be stored'],
        },
      ]);
    }
    return value;
  }
}
