import { Injectable } from '@nestjs/common';
import { AuthEventsService } from 'src/auth-events/auth-events.service';
import { ForbiddenError } from 'src/access/access.errors';
import { InvalidCredentialsError, SessionEndedError } from 'src/auth/auth.errors';
import { UserPrincipal } from 'src/access/principal';
import { RateLimits } from 'src/auth/rate-limits';
import { csrfTokenFor, newSessionToken, sha256 } from 'src/auth/session-tokens';
import { SessionsRepository } from 'src/auth/sessions.repository';
import { AppConfig } from 'src/config/app-config';
import { TenantsService } from 'src/tenants/tenants.service';
import { spendVerifyTime } from 'src/users/passwords';
import { UserEntity } from 'src/users/user.entity';
import { UsersService } from 'src/users/users.service';

export interface SignInRequest {
  organisation: string;
  email: string;
  password: string;
}

export interface SignedIn {
  /** Goes into the HttpOnly cookie only; never into a response body or a log. */
  sessionToken: string;
  csrfToken: string;
  expiresAt: Date;
  principal: UserPrincipal;
}

// Sessions are touched at most this often, so an active portal does not write on every request.
const TOUCH_AFTER_MS = 60_000;

@Injectable()
export class AuthService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
    private readonly events: AuthEventsService,
    private readonly limits: RateLimits,
    private readonly config: AppConfig,
  ) {}

  /**
   * Unknown organisation, unknown email, wrong password, disabled and locked accounts all get
   * the same error after the same argon2 work, so the answer reveals nothing about accounts.
   * The trail records the real reason.
   */
  async signIn(request: SignInRequest, ip: string): Promise<SignedIn> {
    this.limits.signInAttempt(ip);
    const slug = request.organisation.trim().toLowerCase();
    const tenantId = await this.tenants.findIdBySlug(slug);
    if (!tenantId) {
      await spendVerifyTime(request.password);
      await this.events.record(null, {
        type: 'sign_in.failed',
        ip,
        details: { organisation: slug, email: request.email, reason: 'unknown_organisation' },
      });
      throw new InvalidCredentialsError();
    }
    const check = await this.users.checkSignIn(tenantId, request.email, request.password, {
      threshold: this.config.SIGN_IN_LOCKOUT_THRESHOLD,
      minutes: this.config.SIGN_IN_LOCKOUT_MINUTES,
    });
    if (!check.ok) {
      await this.events.record(tenantId, {
        type: 'sign_in.failed',
        subjectId: check.user?.id ?? null,
        ip,
        details: { email: request.email, reason: check.reason },
      });
      if (check.lockedNow) {
        await this.events.record(tenantId, {
          type: 'sign_in.locked_out',
          subjectId: check.user?.id ?? null,
          ip,
          details: { email: check.user?.email, minutes: this.config.SIGN_IN_LOCKOUT_MINUTES },
        });
      }
      throw new InvalidCredentialsError();
    }
    return this.openSession(tenantId, check.user, ip, { email: check.user.email });
  }

  /**
   * A session for a user whose credentials were checked (a password, or an identity provider's
   * word): refused to an auditor without a current grant; recorded in the access trail with
   * `details` (which method, which provider).
   */
  async openSession(
    tenantId: string,
    user: UserEntity,
    ip: string,
    details: Record<string, unknown>,
  ): Promise<SignedIn> {
    const auditorAccessUntil =
      user.role === 'auditor' ? await this.users.auditorAccessUntil(tenantId, user.id) : null;
    if (user.role === 'auditor' && (!auditorAccessUntil || auditorAccessUntil <= new Date())) {
      await this.events.record(tenantId, {
        type: 'sign_in.failed',
        subjectId: user.id,
        ip,
        details: { email: user.email, reason: 'auditor_access_expired' },
      });
      throw new ForbiddenError(
        'auditor_access_expired',
        'your auditor access has no current grant; ask an admin of this organisation for one',
      );
    }
    await this.sessions.purgeEnded(tenantId, user.id);
    const sessionToken = newSessionToken();
    const expiresAt = new Date(Date.now() + this.config.SESSION_MAX_HOURS * 3_600_000);
    const session = await this.sessions.insert(tenantId, {
      userId: user.id,
      tokenHash: sha256(sessionToken),
      expiresAt,
    });
    await this.events.record(tenantId, {
      type: 'sign_in.succeeded',
      actorUserId: user.id,
      subjectId: session.id,
      ip,
      details: { email: user.email, ...details },
    });
    return {
      sessionToken,
      csrfToken: csrfTokenFor(sessionToken),
      expiresAt,
      principal: {
        kind: 'user',
        tenantId,
        userId: user.id,
        email: user.email,
        role: user.role,
        sessionId: session.id,
        passwordMustChange: user.passwordMustChange,
        auditorAccessUntil,
      },
    };
  }

  /**
   * The session strategy's check on every request. Nothing is cached: sign-out, a disabled
   * user, an ended grant or an expired session all take effect on the very next request.
   */
  async resolveSession(sessionToken: string): Promise<UserPrincipal> {
    const found = await this.sessions.findForAuthentication(sha256(sessionToken));
    if (!found) throw new SessionEndedError('unknown session');
    const now = Date.now();
    if (found.revokedAt) throw new SessionEndedError('signed out');
    if (found.expiresAt.getTime() <= now) throw new SessionEndedError('expired');
    if (found.lastSeenAt.getTime() + this.config.SESSION_IDLE_MINUTES * 60_000 <= now) {
      throw new SessionEndedError('idle for too long');
    }
    if (found.disabledAt) throw new SessionEndedError('the account has been disabled');
    if (now - found.lastSeenAt.getTime() > TOUCH_AFTER_MS) {
      await this.sessions.touch(found.tenantId, found.sessionId);
    }
    return {
      kind: 'user',
      tenantId: found.tenantId,
      userId: found.userId,
      email: found.email,
      role: found.role,
      sessionId: found.sessionId,
      passwordMustChange: found.passwordMustChange,
      auditorAccessUntil: found.auditorAccessUntil,
    };
  }

  async signOut(principal: UserPrincipal, ip: string): Promise<void> {
    await this.sessions.revoke(principal.tenantId, principal.sessionId);
    await this.events.record(principal.tenantId, {
      type: 'sign_out',
      actorUserId: principal.userId,
      subjectId: principal.sessionId,
      ip,
    });
  }

  /** Changing a password ends every other session of the user. */
  async changePassword(
    principal: UserPrincipal,
    current: string,
    next: string,
    ip: string,
  ): Promise<void> {
    this.limits.signInAttempt(`password:${principal.userId}`);
    await this.users.changePassword(principal.tenantId, principal.userId, current, next, {
      threshold: this.config.SIGN_IN_LOCKOUT_THRESHOLD,
      minutes: this.config.SIGN_IN_LOCKOUT_MINUTES,
    });
    await this.sessions.revokeOthers(principal.tenantId, principal.userId, principal.sessionId);
    await this.events.record(principal.tenantId, {
      type: 'password.changed',
      actorUserId: principal.userId,
      subjectId: principal.userId,
      ip,
    });
  }
}
