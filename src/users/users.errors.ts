import { DomainError, NotFoundError } from 'src/common/domain-error';

export class UserNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('user', id);
  }
}

export class AuditorGrantNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('auditor_grant', id);
  }
}

export class EmailTakenError extends DomainError {
  constructor(email: string) {
    super('conflict', 'email_taken', `a user with email ${email} already exists in this tenant`);
  }
}

export class NotAnAuditorError extends DomainError {
  constructor(email: string) {
    super(
      'conflict',
      'not_an_auditor',
      `${email} is not an auditor; auditor grants are only for users with the auditor role`,
    );
  }
}

export class CannotDisableSelfError extends DomainError {
  constructor() {
    super('conflict', 'cannot_disable_self', 'an admin cannot disable their own account');
  }
}

export class WrongPasswordError extends DomainError {
  constructor() {
    super('forbidden', 'wrong_password', 'the current password is wrong');
  }
}

export class PasswordPolicyError extends DomainError {
  constructor(problem: string) {
    super('validation_failed', 'password_rejected', `password rejected: ${problem}`);
  }
}
