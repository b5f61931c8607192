import { DomainError } from 'src/common/domain-error';

export class AuthenticationRequiredError extends DomainError {
  constructor(message = 'sign in, or send an API key as "Authorization: Bearer <key>"') {
    super('unauthenticated', 'authentication_required', message);
  }
}

export class SessionEndedError extends DomainError {
  constructor(reason: string) {
    super('unauthenticated', 'session_ended', `session ended: ${reason}; sign in again`);
  }
}

/** One error for unknown organisation, unknown user, wrong password and a locked account. */
export class InvalidCredentialsError extends DomainError {
  constructor() {
    super(
      'unauthenticated',
      'invalid_credentials',
      'organisation, email or password is wrong, or the account is temporarily locked',
    );
  }
}

export class RateLimitedError extends DomainError {
  constructor(
    what: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', 'rate_limited', `too many ${what}; retry in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
  }
}

export class JsonBodyRequiredError extends DomainError {
  constructor() {
    super(
      'malformed_request',
      'json_body_required',
      'sign-in takes a JSON body (application/json)',
    );
  }
}
