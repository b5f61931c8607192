/**
 * Ids as the evidence format writes them: UUIDs in their 8-4-4-4-12 hexadecimal form, any
 * version. One definition for the record schema, the verifier, the CLI and the services, which
 * each had a copy.
 */

/**
 * The JSON Schema `pattern` of an id (record-schema.ts): lower case, as PostgreSQL writes a
 * uuid and as every record, checkpoint and evidence package carries it.
 */
export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/**
 * An id as people and programs may type it: case-insensitive, as RFC 9562 reads UUIDs. Lower-case
 * it (or let PostgreSQL's uuid type do so) before comparing it with a stored id.
 */
export const UUID = new RegExp(UUID_PATTERN, 'i');

/** Whether `value` is a UUID string, in either case. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
