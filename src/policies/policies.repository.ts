import { Injectable } from '@nestjs/common';
import { TenantDatabase } from 'src/database/tenant-database';
import { isUniqueViolation } from 'src/database/unique-violation';
import { PolicyRules } from 'src/policies/policy-rules';
import { PolicyVersionRaceError } from 'src/policies/policies.errors';

export interface PolicyVersion {
  id: string;
  applicationId: string;
  version: number;
  rules: PolicyRules;
  createdBy: string | null;
  createdAt: Date;
}

const COLUMNS = `id, application_id AS "applicationId", version, rules, created_by AS "createdBy",
  created_at AS "createdAt"`;

@Injectable()
export class PoliciesRepository {
  constructor(private readonly db: TenantDatabase) {}

  async findCurrent(tenantId: string, applicationId: string): Promise<PolicyVersion | undefined> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<PolicyVersion[]>(
        `SELECT ${COLUMNS} FROM policies WHERE tenant_id = $1 AND application_id = $2
          ORDER BY version DESC LIMIT 1`,
        [tenantId, applicationId],
      ),
    );
    return rows[0];
  }

  listVersions(tenantId: string, applicationId: string): Promise<PolicyVersion[]> {
    return this.db.run(tenantId, (m) =>
      m.query<PolicyVersion[]>(
        `SELECT ${COLUMNS} FROM policies WHERE tenant_id = $1 AND application_id = $2
          ORDER BY version DESC`,
        [tenantId, applicationId],
      ),
    );
  }

  /** The next version, numbered by the database; a concurrent publish makes one of them fail. */
  async insertVersion(
    tenantId: string,
    applicationId: string,
    rules: PolicyRules,
    createdBy: string | null,
  ): Promise<PolicyVersion> {
    try {
      const rows = await this.db.run(tenantId, (m) =>
        m.query<PolicyVersion[]>(
          `INSERT INTO policies (tenant_id, application_id, version, rules, created_by)
           SELECT $1, $2, COALESCE(max(version), 0) + 1, $3, $4 FROM policies
            WHERE tenant_id = $1 AND application_id = $2
           RETURNING ${COLUMNS}`,
          [tenantId, applicationId, JSON.stringify(rules), createdBy],
        ),
      );
      return rows[0];
    } catch (error) {
      if (isUniqueViolation(error, 'policies_version_key')) throw new PolicyVersionRaceError();
      throw error;
    }
  }
}
