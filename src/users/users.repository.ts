import { Injectable } from '@nestjs/common';
import { AuditorGrantEntity } from 'src/users/auditor-grant.entity';
import { Role } from 'src/access/roles';
import { UserEntity } from 'src/users/user.entity';
import { TenantDatabase } from 'src/database/tenant-database';
import { isUniqueViolation } from 'src/database/unique-violation';
import { EmailTakenError } from 'src/users/users.errors';
import { IsNull } from 'typeorm';

@Injectable()
export class UsersRepository {
  constructor(private readonly db: TenantDatabase) {}

  insert(
    tenantId: string,
    user: { email: string; role: Role; passwordHash: string; passwordMustChange: boolean },
  ): Promise<UserEntity> {
    return this.db
      .run(tenantId, (m) => m.save(m.create(UserEntity, { ...user, tenantId })))
      .catch((error: unknown) => {
        if (isUniqueViolation(error, 'users_tenant_email_key'))
          throw new EmailTakenError(user.email);
        throw error;
      });
  }

  findById(tenantId: string, id: string): Promise<UserEntity | null> {
    return this.db.run(tenantId, (m) => m.findOneBy(UserEntity, { tenantId, id }));
  }

  findByEmail(tenantId: string, email: string): Promise<UserEntity | null> {
    return this.db.run(tenantId, (m) => m.findOneBy(UserEntity, { tenantId, email }));
  }

  /** The user an (issuer, subject) identity is linked to, if any. */
  async findByIdentity(
    tenantId: string,
    issuer: string,
    subject: string,
  ): Promise<UserEntity | null> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ user_id: string }[]>(
        `SELECT user_id FROM user_identities
          WHERE tenant_id = $1 AND issuer = $2 AND subject = $3`,
        [tenantId, issuer, subject],
      ),
    );
    return rows[0] ? this.findById(tenantId, rows[0].user_id) : null;
  }

  /** Links an identity to a user; false when the user already has one at that issuer. */
  async linkIdentity(
    tenantId: string,
    userId: string,
    issuer: string,
    subject: string,
  ): Promise<boolean> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ user_id: string }[]>(
        `INSERT INTO user_identities (tenant_id, user_id, issuer, subject)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING user_id`,
        [tenantId, userId, issuer, subject],
      ),
    );
    return rows.length === 1;
  }

  list(tenantId: string): Promise<UserEntity[]> {
    return this.db.run(tenantId, (m) =>
      m.find(UserEntity, { where: { tenantId }, order: { createdAt: 'ASC' } }),
    );
  }

  /**
   * Claims one password attempt before the (slow) check, counting it as a failure until the
   * check succeeds. One statement, so parallel attempts are serialised by the row lock: no more
   * than `threshold` of them are ever checked before the account locks. Returns null while the
   * account is locked (nothing may be checked), else whether this attempt locked it.
   */
  async claimPasswordAttempt(
    tenantId: string,
    id: string,
    threshold: number,
    lockMinutes: number,
  ): Promise<{ lockedNow: boolean } | null> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<[{ locked_now: boolean }[], number]>(
        `UPDATE users SET
            failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $3 THEN 0 ELSE failed_sign_ins + 1 END,
            locked_until = CASE WHEN failed_sign_ins + 1 >= $3
                                THEN now() + make_interval(mins => $4) ELSE NULL END
          WHERE tenant_id = $1 AND id = $2 AND (locked_until IS NULL OR locked_until <= now())
          RETURNING locked_until IS NOT NULL AS locked_now`,
        [tenantId, id, threshold, lockMinutes],
      ),
    );
    // TypeORM returns [rows, affected] for UPDATE ... RETURNING on postgres.
    const returned = rows[0];
    return returned.length ? { lockedNow: returned[0].locked_now } : null;
  }

  /** The attempt succeeded: it no longer counts, and a lock it set is lifted. */
  async clearPasswordAttempts(tenantId: string, id: string): Promise<void> {
    await this.db.run(tenantId, (m) =>
      m.update(UserEntity, { tenantId, id }, { failedSignIns: 0, lockedUntil: null }),
    );
  }

  async setPassword(
    tenantId: string,
    id: string,
    passwordHash: string,
    mustChange: boolean,
  ): Promise<void> {
    await this.db.run(tenantId, (m) =>
      m.update(UserEntity, { tenantId, id }, { passwordHash, passwordMustChange: mustChange }),
    );
  }

  async disable(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db.run(tenantId, (m) =>
      m.update(UserEntity, { tenantId, id, disabledAt: IsNull() }, { disabledAt: () => 'now()' }),
    );
    return Boolean(result.affected);
  }

  /** When the user's auditor access ends: the latest unrevoked, started grant; null if none. */
  async findAuditorAccessUntil(tenantId: string, userId: string): Promise<Date | null> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ until: Date | null }[]>(
        `SELECT max(valid_until) AS until FROM auditor_grants
          WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL AND valid_from <= now()`,
        [tenantId, userId],
      ),
    );
    return rows[0]?.until ?? null;
  }

  insertGrant(
    tenantId: string,
    grant: Pick<AuditorGrantEntity, 'userId' | 'validUntil' | 'reason' | 'grantedBy'>,
  ): Promise<AuditorGrantEntity> {
    return this.db.run(tenantId, (m) =>
      m.save(m.create(AuditorGrantEntity, { ...grant, tenantId })),
    );
  }

  listGrants(tenantId: string): Promise<AuditorGrantEntity[]> {
    return this.db.run(tenantId, (m) =>
      m.find(AuditorGrantEntity, { where: { tenantId }, order: { createdAt: 'DESC' } }),
    );
  }

  findGrant(tenantId: string, id: string): Promise<AuditorGrantEntity | null> {
    return this.db.run(tenantId, (m) => m.findOneBy(AuditorGrantEntity, { tenantId, id }));
  }

  async revokeGrant(tenantId: string, id: string, by: string | null): Promise<boolean> {
    const result = await this.db.run(tenantId, (m) =>
      m.update(
        AuditorGrantEntity,
        { tenantId, id, revokedAt: IsNull() },
        { revokedAt: () => 'now()', revokedBy: by },
      ),
    );
    return Boolean(result.affected);
  }
}
