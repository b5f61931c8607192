import { DomainError, NotFoundError } from 'src/common/domain-error';

export class JobNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('job', id);
  }
}

export class UnknownJobKindError extends DomainError {
  constructor(kind: string) {
    super(
      'malformed_request',
      'unknown_job_kind',
      `no handler is registered for job kind "${kind}"`,
    );
  }
}

/**
 * Thrown by a job handler when retrying cannot help (bad input, a missing record): the job fails at
 * once instead of using up its attempts.
 */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}
