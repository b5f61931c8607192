/** A UUID as the evidence format writes it (lower case): record, entry, tenant and key ids. */
export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** A UUID in either case, as callers may send one. */
export const UUID = new RegExp(UUID_PATTERN, 'i');

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
