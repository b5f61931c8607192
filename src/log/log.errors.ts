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
