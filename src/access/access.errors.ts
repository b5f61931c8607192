import { DomainError } from 'src/common/domain-error';

/** The caller is known but its role, scope or grant does not allow this. */
export class ForbiddenError extends DomainError {
  constructor(code: string, message: string) {
    super('forbidden', code, message);
  }
}
