/**
 * Categories of failure, each mapped to one HTTP status in `DomainErrorFilter`. Services throw
 * domain errors, never HTTP exceptions, because the worker runs the same services without HTTP.
 */
export type ErrorCategory =
  | 'malformed_request'
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `context.caseId` or `chunks.3.text`. */
  field: string;
  problems: string[];
}

export class DomainError extends Error {
  /**
   * @param category decides the HTTP status
   * @param code specific and stable, for clients to branch on (e.g. `job_not_found`)
   */
  constructor(
    readonly category: ErrorCategory,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  constructor(readonly fields: FieldProblem[]) {
    super(
      'validation_failed',
      'validation_failed',
      `invalid request: ${fields.map((f) => f.field).join(', ')}`,
    );
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('not_found', `${what}_not_found`, `${what.replace(/_/g, ' ')} ${id} does not exist`);
  }
}
