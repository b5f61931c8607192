import { ApiProperty } from '@nestjs/swagger';

// Property decorators for response DTOs: the shapes that recur in answers (ids, times, values that
// may be null), each stated once. A response DTO states every member its service's view returns:
// the document closes success bodies (documentResponses), so a member left out here is a
// member the published contract forbids.

interface Nullable {
  /** Always present, and null when the description says so. */
  nullable?: true;
}

/** A lower-case UUID. */
export const ApiId = (description: string, options: Nullable = {}) =>
  ApiProperty({ type: String, format: 'uuid', description, ...options });

/** An RFC 3339 time in UTC, as `Date.prototype.toISOString` writes it. */
export const ApiTime = (description: string, options: Nullable = {}) =>
  ApiProperty({ type: String, format: 'date-time', description, ...options });

/** A string that is always present and may be null. */
export const ApiNullableString = (description: string) =>
  ApiProperty({ type: String, nullable: true, description });

/** A whole number, always present, null until it is known. */
export const ApiNullableInteger = (description: string) =>
  ApiProperty({ type: 'integer', nullable: true, description });

/** One of a few strings. */
export const ApiEnum = (values: readonly string[], description: string) =>
  ApiProperty({ type: String, enum: [...values], description });

/** A base64 string (a hash, a signature). */
export const ApiBase64 = (description: string) =>
  ApiProperty({ type: String, format: 'byte', description });
