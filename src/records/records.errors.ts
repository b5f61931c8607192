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

/** Fail closed: the record could not be made durable, so the output is not released. */
export class RecordNotCommittedError extends DomainError {
  constructor() {
    super(
      'unavailable',
      'record_not_committed',
      'the attribution record could not be committed; no output is released. Retry with the same Idempotency-Key',
    );
  }
}
