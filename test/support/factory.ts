import { Actor } from 'src/access/principal';
import { Role } from 'src/access/roles';
import { Scope } from 'src/access/scopes';
import { ApplicationsService } from 'src/applications/applications.service';
import { PoliciesService, PolicyView } from 'src/policies/policies.service';
import { PolicyRulesInput } from 'src/policies/policy-rules';
import { ProvisioningService } from 'src/provisioning/provisioning.service';
import { AuditorGrantView, UsersService } from 'src/users/users.service';
import { unique } from 'test/support/auth-fixtures';
import { TestApp } from 'test/support/test-app';

// Test data inserted through the running app's own services (immich's medium.factory.ts): the
// rows a test starts from pass the same checks, transactions and row-level security as real
// ones, and a schema change breaks one place here rather than every test. Names and e-mail
// addresses are unique by default, so tests can share a database; the secrets a service hands
// out once (one-time passwords, API keys) are returned for the test to use.

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  oneTimePassword: string;
}

export interface TestTenant {
  id: string;
  slug: string;
  name: string;
  admin: TestUser;
}

export interface TestApplication {
  id: string;
  name: string;
  /** The API key's secret, shown once, for `Authorization: Bearer`. */
  key: string;
  keyId: string;
  scopes: Scope[];
}

/** The platform operator, as the CLI acts: no user of the tenant. */
const OPERATOR: Actor = { userId: null };

const HOUR = 3_600_000;

export function factory(t: TestApp) {
  const provisioning = () => t.app.get(ProvisioningService);
  const users = () => t.app.get(UsersService);
  const applications = () => t.app.get(ApplicationsService);
  const policies = () => t.app.get(PoliciesService);

  return {
    /** A tenant with its first admin, as `tenant:create` makes it. */
    async newTenant(options: { name?: string; adminEmail?: string } = {}): Promise<TestTenant> {
      const made = await provisioning().create(
        {
          name: options.name ?? unique('Tenant'),
          adminEmail: options.adminEmail ?? `${unique('admin')}@example.org`,
        },
        OPERATOR,
      );
      const { id, slug, name } = made.tenant;
      const { user, oneTimePassword } = made.admin;
      return {
        id,
        slug,
        name,
        admin: { id: user.id, email: user.email, role: user.role, oneTimePassword },
      };
    },

    /** A person of the tenant, with the one-time password they must replace at sign-in. */
    async newUser(
      tenantId: string,
      role: Role,
      options: { email?: string } = {},
    ): Promise<TestUser> {
      const { user, oneTimePassword } = await users().createUser(
        tenantId,
        { email: options.email ?? `${unique(role)}@example.org`, role },
        OPERATOR,
      );
      return { id: user.id, email: user.email, role: user.role, oneTimePassword };
    },

    /** An auditor's grant; by default valid for the next hour. */
    newAuditorGrant(
      tenantId: string,
      userId: string,
      options: { validUntil?: Date } = {},
    ): Promise<AuditorGrantView> {
      const validUntil = options.validUntil ?? new Date(Date.now() + HOUR);
      return users().grantAuditor(
        tenantId,
        { userId, validUntil: validUntil.toISOString() },
        OPERATOR,
      );
    },

    /** An application with its first API key; by default one `generate` key. */
    async newApplication(
      tenantId: string,
      options: { name?: string; scopes?: Scope[]; expiresAt?: Date } = {},
    ): Promise<TestApplication> {
      const scopes = options.scopes ?? ['generate'];
      const made = await applications().createApplication(
        tenantId,
        {
          name: options.name ?? unique('app'),
          scopes,
          ...(options.expiresAt ? { expiresAt: options.expiresAt.toISOString() } : {}),
        },
        OPERATOR,
      );
      return {
        id: made.application.id,
        name: made.application.name,
        key: made.key.key,
        keyId: made.key.id,
        scopes: made.key.scopes,
      };
    },

    /** A new version of the application's policy; by default the empty policy. */
    newPolicy(
      tenantId: string,
      applicationId: string,
      rules: PolicyRulesInput = {},
    ): Promise<PolicyView> {
      return policies().publish(tenantId, applicationId, rules, null);
    },
  };
}

export type Factory = ReturnType<typeof factory>;
