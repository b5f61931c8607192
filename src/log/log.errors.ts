import { DomainError } from 'src/common/domain-error';

/** An erasure raced another one: the text of these records was already gone. */
export class TextAlreadyErasedError extends DomainError {
  constructor(recordIds: string[]) {
    super(
      'conflict',
      'record_already_erased',
      `the text of record ${recordIds.join(', ')} is already erased`,
    );
  }
}

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
