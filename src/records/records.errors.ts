import { DomainError } from 'src/common/domain-error';

export class IdempotencyKeyReusedError extends DomainError {
  constructor(key: string) {
    super(
      'conflict',
      'idempotency_key_reused',
      `Idempotency-Key ${JSON.stringify(key)} was used for a different request; use a new key`,
    );
  }
}

/** Fail closed: the log entry could not be made durable, so nothing is released. */
export class RecordNotCommittedError extends DomainError {
  constructor() {
    super(
      'unavailable',
      'record_not_committed',
      'the log entry could not be committed, so nothing is released; retry (with the same Idempotency-Key for a generation)',
    );
  }
}

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
