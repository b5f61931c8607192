import { DomainError } from 'src/common/domain-error';

/** The text-key store cannot be used: says which file or key and why, never anything secret. */
export class TextKeyStoreError extends DomainError {
  constructor(message: string) {
    super('internal', 'text_key_store_failed', message);
  }
}
