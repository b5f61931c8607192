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

export class OidcNotConfiguredError extends DomainError {
  constructor() {
    super(
      'not_found',
      'oidc_not_configured',
      'sign-in through an identity provider is not set up here (OIDC_ISSUER); sign in with a password',
    );
  }
}

/** The browser came back without the flow this service started, or too late. */
export class OidcSignInExpiredError extends DomainError {
  constructor() {
    super(
      'malformed_request',
      'oidc_sign_in_expired',
      'this sign-in was not started in this browser or took longer than 10 minutes; start again',
    );
  }
}

/** The provider refused, or its answer did not check out (state, code, ID token). */
export class OidcSignInFailedError extends DomainError {
  constructor(reason: string) {
    super(
      'unauthenticated',
      'oidc_sign_in_failed',
      `the identity provider's sign-in failed: ${reason}`,
    );
  }
}

const NOT_LINKED: Record<string, string> = {
  unknown_organisation: 'there is no such organisation',
  unknown_user: 'no user of this organisation has the e-mail your identity provider gave',
  email_not_verified: 'your identity provider does not say it verified your e-mail',
  no_email: 'your identity provider did not give an e-mail',
  disabled: 'this account is disabled',
  linked_to_another_identity: 'this account is already linked to another identity at this provider',
};

/** The provider vouched for a person this organisation does not know as a user. */
export class IdentityNotLinkedError extends DomainError {
  constructor(readonly reason: string) {
    super(
      'forbidden',
      'identity_not_linked',
      `signed in at the identity provider, but ${NOT_LINKED[reason] ?? reason}; ask an admin of the organisation`,
    );
  }
}
