import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { ApplicationsService } from 'src/applications/applications.service';
import { ForbiddenError } from 'src/access/access.errors';
import { InvalidApiKeyError } from 'src/applications/applications.errors';
import { AuthService } from 'src/auth/auth.service';
import { ApplicationPrincipal, UserPrincipal } from 'src/access/principal';
import { RateLimits } from 'src/auth/rate-limits';
import { CSRF_HEADER, csrfTokenMatches, readCookie, SESSION_COOKIE } from 'src/auth/session-tokens';

// Both strategies are passport-custom rather than passport-http-bearer / passport-local: those
// also accept the secret from the query string (access_token=, password=), which ends up in
// access logs and browser history. Here a key is read from the Authorization header only.

/** Applications: `Authorization: Bearer iak_...`. No header: not this strategy's request. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, 'api-key') {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly limits: RateLimits,
  ) {
    super();
  }

  async validate(req: Request): Promise<ApplicationPrincipal | null> {
    const header = req.headers.authorization;
    if (header === undefined) return null;
    // The scheme is case-insensitive (RFC 9110 §11.1); the key is not.
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    if (!match) throw new InvalidApiKeyError('the Authorization header must be "Bearer <key>"');
    const principal = await this.applications.authenticate(match[1]);
    this.limits.apiKeyRequest(principal.keyId);
    return principal;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** People: the session cookie, plus the CSRF header on anything that changes state. */
@Injectable()
export class SessionStrategy extends PassportStrategy(Strategy, 'session') {
  constructor(private readonly auth: AuthService) {
    super();
  }

  async validate(req: Request): Promise<UserPrincipal | null> {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token === undefined) return null;
    const principal = await this.auth.resolveSession(token);
    if (!SAFE_METHODS.has(req.method) && !csrfTokenMatches(token, presentedCsrf(req))) {
      throw new ForbiddenError(
        'csrf_token_invalid',
        `a state-changing request from the portal needs the ${CSRF_HEADER} header (or a form's ${CSRF_FIELD} field) of this session`,
      );
    }
    return principal;
  }
}

/** The field the portal's HTML forms carry the CSRF token in (forms cannot set headers). */
export const CSRF_FIELD = '_csrf';

/**
 * The CSRF token a request presents: the header, or for an HTML form post (urlencoded) its
 * `_csrf` field. Either way it is the HMAC of this session's token, which a cross-site page
 * cannot compute.
 */
function presentedCsrf(req: Request): string | undefined {
  const header = req.header(CSRF_HEADER);
  if (header !== undefined) return header;
  if (!req.is('application/x-www-form-urlencoded')) return undefined;
  const field = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
  return typeof field === 'string' ? field : undefined;
}
