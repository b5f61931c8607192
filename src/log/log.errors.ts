import { DomainError } from 'src/common/domain-error';

/** An entry body with a value JSON cannot hold canonically (a lone surrogate, a non-finite number). */
export class EntryNotSerialisableError extends DomainError {
  constructor(cause: Error) {
    super(
      'validation_failed',
      'not_serialisable',
      `the entry cannot be recorded: ${cause.message}`,
    );
  }
}
