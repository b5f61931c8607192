import { Injectable } from '@nestjs/common';
import { AuthEventsService } from 'src/auth-events/auth-events.service';
import { PasswordPolicyError } from 'src/users/users.errors';
import { Actor } from 'src/access/principal';
import { ValidationFailedError } from 'src/common/domain-error';
import { TenantDatabase } from 'src/database/tenant-database';
import { AuditorGrantEntity } from 'src/users/auditor-grant.entity';
import {
  generatePassword,
  hashPassword,
  passwordProblem,
  spendVerifyTime,
  verifyPassword,
} from 'src/users/passwords';
import { Role } from 'src/access/roles';
import { UserEntity } from 'src/users/user.entity';
import {
  AuditorGrantNotFoundError,
  CannotDisableSelfError,
  EmailTakenError,
  NotAnAuditorError,
  UserNotFoundError,
  WrongPasswordError,
} from 'src/users/users.errors';
import { UsersRepository } from 'src/users/users.repository';

export interface UserView {
  id: string;
  email: string;
  role: Role;
  passwordMustChange: boolean;
  lockedUntil: string | null;
  disabledAt: string | null;
  createdAt: string;
}

export const AUDITOR_GRANT_STATUSES = ['active', 'expired', 'revoked', 'pending'] as const;

export interface AuditorGrantView {
  id: string;
  userId: string;
  validFrom: string;
  validUntil: string;
  reason: string | null;
  status: (typeof AUDITOR_GRANT_STATUSES)[number];
  revokedAt: string | null;
}

export type IdentitySignInCheck =
  | { ok: true; user: UserEntity; linkedNow: boolean }
  | {
      ok: false;
      reason:
        | 'unknown_user'
        | 'disabled'
        | 'no_email'
        | 'email_not_verified'
        | 'linked_to_another_identity';
      user?: UserEntity;
    };

export type SignInCheck =
  | { ok: true; user: UserEntity }
  | {
      ok: false;
      reason: 'unknown_user' | 'disabled' | 'locked' | 'wrong_password';
      user?: UserEntity;
      lockedNow?: boolean;
    };

/** A user as returned once, at creation, with the password they must replace at first sign-in. */
export interface CreatedUser {
  user: UserView;
  oneTimePassword: string;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly events: AuthEventsService,
    private readonly db: TenantDatabase,
  ) {}

  /**
   * People never get a password chosen by someone else for keeps: the service generates a
   * one-time password, shown once, and the first sign-in must replace it.
   */
  async createUser(
    tenantId: string,
    request: { email: string; role: Role },
    actor: Actor,
  ): Promise<CreatedUser> {
    const email = normaliseEmail(request.email);
    const oneTimePassword = generatePassword();
    const passwordHash = await hashPassword(oneTimePassword);
    return this.db.run(tenantId, async () => {
      if (await this.users.findByEmail(tenantId, email)) throw new EmailTakenError(email);
      const user = await this.users.insert(tenantId, {
        email,
        role: request.role,
        passwordHash,
        passwordMustChange: true,
      });
      await this.events.record(tenantId, {
        type: 'user.created',
        actorUserId: actor.userId,
        subjectId: user.id,
        ip: actor.ip ?? null,
        details: { email, role: user.role },
      });
      return { user: userView(user), oneTimePassword };
    });
  }

  async list(tenantId: string): Promise<UserView[]> {
    return (await this.users.list(tenantId)).map(userView);
  }

  async get(tenantId: string, id: string): Promise<UserView> {
    const user = await this.users.findById(tenantId, id);
    if (!user) throw new UserNotFoundError(id);
    return userView(user);
  }

  /** Disabling ends the user's sessions at their next request (the session check reads it). */
  async disable(tenantId: string, id: string, actor: Actor): Promise<UserView> {
    if (actor.userId === id) throw new CannotDisableSelfError();
    return this.db.run(tenantId, async () => {
      const user = await this.users.findById(tenantId, id);
      if (!user) throw new UserNotFoundError(id);
      if (await this.users.disable(tenantId, id)) {
        await this.events.record(tenantId, {
          type: 'user.disabled',
          actorUserId: actor.userId,
          subjectId: id,
          ip: actor.ip ?? null,
          details: { email: user.email },
        });
      }
      return userView((await this.users.findById(tenantId, id)) ?? user);
    });
  }

  /**
   * Checks a sign-in and counts failures toward the lockout. Returns the outcome rather than
   * throwing, so the failure count commits even though the caller then refuses the sign-in.
   */
  async checkSignIn(
    tenantId: string,
    email: string,
    password: string,
    lockout: { threshold: number; minutes: number },
  ): Promise<SignInCheck> {
    const user = await this.users.findByEmail(tenantId, normaliseEmail(email));
    if (!user) {
      await spendVerifyTime(password);
      return { ok: false, reason: 'unknown_user' };
    }
    if (user.disabledAt) {
      await spendVerifyTime(password);
      return { ok: false, reason: 'disabled', user };
    }
    const claim = await this.users.claimPasswordAttempt(
      tenantId,
      user.id,
      lockout.threshold,
      lockout.minutes,
    );
    if (!claim) {
      await spendVerifyTime(password);
      return { ok: false, reason: 'locked', user };
    }
    if (!(await verifyPassword(user.passwordHash, password))) {
      return { ok: false, reason: 'wrong_password', user, lockedNow: claim.lockedNow };
    }
    await this.users.clearPasswordAttempts(tenantId, user.id);
    return { ok: true, user };
  }

  /**
   * A person vouched for by an OpenID Connect provider: the user their (issuer, subject) is
   * linked to or, the first time, the user of this tenant with the e-mail the provider says it
   * verified, which the identity is then linked to for good. Linking voids a one-time password
   * still waiting to be changed (it was handed out to be replaced, and is not needed now).
   */
  async checkIdentitySignIn(
    tenantId: string,
    identity: { issuer: string; subject: string; email?: string; emailVerified: boolean },
  ): Promise<IdentitySignInCheck> {
    const linked = await this.users.findByIdentity(tenantId, identity.issuer, identity.subject);
    if (linked) {
      return linked.disabledAt
        ? { ok: false, reason: 'disabled', user: linked }
        : { ok: true, user: linked, linkedNow: false };
    }
    if (!identity.email) return { ok: false, reason: 'no_email' };
    if (!identity.emailVerified) return { ok: false, reason: 'email_not_verified' };
    const user = await this.users.findByEmail(tenantId, normaliseEmail(identity.email));
    if (!user) return { ok: false, reason: 'unknown_user' };
    if (user.disabledAt) return { ok: false, reason: 'disabled', user };
    return this.db.run(tenantId, async () => {
      if (!(await this.users.linkIdentity(tenantId, user.id, identity.issuer, identity.subject))) {
        return { ok: false, reason: 'linked_to_another_identity', user } as const;
      }
      if (user.passwordMustChange) {
        await this.users.setPassword(
          tenantId,
          user.id,
          await hashPassword(generatePassword()),
          false,
        );
      }
      const fresh = (await this.users.findById(tenantId, user.id)) ?? user;
      return { ok: true, user: fresh, linkedNow: true } as const;
    });
  }

  /** A person replaces their password: the current one is required, the new one checked. */
  async changePassword(
    tenantId: string,
    userId: string,
    current: string,
    next: string,
    lockout: { threshold: number; minutes: number },
  ): Promise<void> {
    const user = await this.users.findById(tenantId, userId);
    if (!user) throw new UserNotFoundError(userId);
    // A stolen session must not become a way to guess the password: wrong attempts here count
    // toward the same lockout as sign-in.
    const claim = await this.users.claimPasswordAttempt(
      tenantId,
      user.id,
      lockout.threshold,
      lockout.minutes,
    );
    if (!claim) throw new WrongPasswordError();
    if (!(await verifyPassword(user.passwordHash, current))) throw new WrongPasswordError();
    await this.users.clearPasswordAttempts(tenantId, user.id);
    if (current === next) throw new PasswordPolicyError('it must differ from the current one');
    const problem = passwordProblem(next, { email: user.email });
    if (problem) throw new PasswordPolicyError(problem);
    await this.users.setPassword(tenantId, user.id, await hashPassword(next), false);
  }

  async grantAuditor(
    tenantId: string,
    request: { userId?: string; email?: string; validUntil: string; reason?: string },
    actor: Actor,
  ): Promise<AuditorGrantView> {
    if ((request.userId === undefined) === (request.email === undefined)) {
      throw new ValidationFailedError([
        { field: 'userId', problems: ['give exactly one of userId and email'] },
      ]);
    }
    const validUntil = new Date(request.validUntil);
    if (Number.isNaN(validUntil.getTime()) || validUntil.getTime() <= Date.now()) {
      throw new ValidationFailedError([
        { field: 'validUntil', problems: ['validUntil must be a date in the future'] },
      ]);
    }
    return this.db.run(tenantId, async () => {
      const user = request.userId
        ? await this.users.findById(tenantId, request.userId)
        : await this.users.findByEmail(tenantId, normaliseEmail(request.email ?? ''));
      if (!user) throw new UserNotFoundError(request.userId ?? request.email ?? '');
      if (user.role !== 'auditor') throw new NotAnAuditorError(user.email);
      const grant = await this.users.insertGrant(tenantId, {
        userId: user.id,
        validUntil,
        reason: request.reason ?? null,
        grantedBy: actor.userId,
      });
      await this.events.record(tenantId, {
        type: 'auditor_grant.created',
        actorUserId: actor.userId,
        subjectId: grant.id,
        ip: actor.ip ?? null,
        details: { userId: user.id, email: user.email, validUntil: validUntil.toISOString() },
      });
      return grantView(grant);
    });
  }

  auditorAccessUntil(tenantId: string, userId: string): Promise<Date | null> {
    return this.users.findAuditorAccessUntil(tenantId, userId);
  }

  async listGrants(tenantId: string): Promise<AuditorGrantView[]> {
    return (await this.users.listGrants(tenantId)).map(grantView);
  }

  async revokeGrant(tenantId: string, id: string, actor: Actor): Promise<AuditorGrantView> {
    return this.db.run(tenantId, async () => {
      if (!(await this.users.findGrant(tenantId, id))) throw new AuditorGrantNotFoundError(id);
      if (await this.users.revokeGrant(tenantId, id, actor.userId)) {
        await this.events.record(tenantId, {
          type: 'auditor_grant.revoked',
          actorUserId: actor.userId,
          subjectId: id,
          ip: actor.ip ?? null,
        });
      }
      const grant = await this.users.findGrant(tenantId, id);
      if (!grant) throw new AuditorGrantNotFoundError(id);
      return grantView(grant);
    });
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function userView(user: UserEntity): UserView {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    passwordMustChange: user.passwordMustChange,
    lockedUntil:
      user.lockedUntil && user.lockedUntil.getTime() > Date.now()
        ? user.lockedUntil.toISOString()
        : null,
    disabledAt: user.disabledAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

function grantView(grant: AuditorGrantEntity): AuditorGrantView {
  const now = Date.now();
  return {
    id: grant.id,
    userId: grant.userId,
    validFrom: grant.validFrom.toISOString(),
    validUntil: grant.validUntil.toISOString(),
    reason: grant.reason,
    status: grant.revokedAt
      ? 'revoked'
      : grant.validUntil.getTime() <= now
        ? 'expired'
        : grant.validFrom.getTime() > now
          ? 'pending'
          : 'active',
    revokedAt: grant.revokedAt?.toISOString() ?? null,
  };
}
