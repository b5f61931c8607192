import { DomainError, NotFoundError } from 'src/common/domain-error';

export class ApplicationNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('application', id);
  }
}

export class ApiKeyNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('api_key', id);
  }
}

export class ApplicationNameTakenError extends DomainError {
  constructor(name: string) {
    super('conflict', 'application_name_taken', `an application named "${name}" already exists`);
  }
}

export class InvalidApiKeyError extends DomainError {
  constructor(reason: string) {
    super('unauthenticated', 'invalid_api_key', `API key refused: ${reason}`);
  }
}
