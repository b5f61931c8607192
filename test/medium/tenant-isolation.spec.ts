import { Client } from 'pg';
import { TenantDatabase } from 'src/database/tenant-database';
import { LogService } from 'src/log/log.service';
import { signIn, unique } from 'test/support/auth-fixtures';
import { factory } from 'test/support/factory';
import { postAsApplication } from 'test/support/records-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

// Row-level security on its own, with the application's WHERE tenant_id = ... taken away: the
// database must still hide every other tenant's rows from the role the service runs as.

const TENANT_TABLES = [
  'tenants',
  'users',
  'auditor_grants',
  'applications',
  'api_keys',
  'sessions',
  'auth_events',
  'log_heads',
  'log_entries',
  'records',
  'record_texts',
  'record_text_keys',
  'checkpoints',
  'policies',
  'jobs',
  'reports',
  'log_verifications',
  'report_texts',
  'user_identities',
];

describe('tenant isolation in PostgreSQL', () => {
  let t: TestApp;
  let db: TenantDatabase;
  let owner: Client;
  let a: string;
  let b: string;
  /** The name of B's application, which A's attempts must leave as it is. */
  let bApplicationName: string;

  beforeAll(async () => {
    t = await createTestApp({ runWorkers: false });
    db = t.app.get(TenantDatabase);
    const f = factory(t);
    const made: { tenantId: string; applicationName: string }[] = [];
    for (const name of ['Alpha Bank', 'Beta Clinic']) {
      const tenant = await f.newTenant({ name: unique(name) });
      const app = await f.newApplication(tenant.id, { scopes: ['generate'] });
      // A policy, a record (with its sealed text and key) and a checkpoint in every tenant.
      await f.newPolicy(tenant.id, app.id);
      const generated = await postAsApplication(t, '/v1/generations', app.key, {
        prompt: 'The',
        maxTokens: 2,
      });
      expect(generated.status).toBe(201);
      await t.app.get(LogService).issueCheckpoint(tenant.id);
      const auditor = await f.newUser(tenant.id, 'auditor');
      await f.newAuditorGrant(tenant.id, auditor.id);
      const signedIn = await signIn(
        t,
        tenant.slug,
        tenant.admin.email,
        tenant.admin.oneTimePassword,
      );
      expect(signedIn.status).toBe(200);
      made.push({ tenantId: tenant.id, applicationName: app.name });
    }
    [a, b] = made.map((m) => m.tenantId);
    bApplicationName = made[1].applicationName;
    owner = new Client({ connectionString: t.database.url });
    await owner.connect();
    // A job, a report (showing the tenant's record), a log verification and a user's identity at
    // a provider in every tenant (written as the owner: no job runs here).
    for (const tenantId of [a, b]) {
      const { rows } = await owner.query<{ id: string }>(
        `INSERT INTO jobs (tenant_id, queue, kind, status, max_attempts)
         VALUES ($1, 'jobs', 'report.build', 'queued', 3) RETURNING id`,
        [tenantId],
      );
      const report = await owner.query<{ id: string }>(
        `INSERT INTO reports (id, tenant_id, kind, scope, requested_by, requested_at, job_id,
                              checkpoint_size)
         VALUES (gen_random_uuid(), $1, 'period-audit', '{}', gen_random_uuid(), now(), $2, 1)
         RETURNING id`,
        [tenantId, rows[0].id],
      );
      await owner.query(
        `INSERT INTO report_texts (report_id, tenant_id, record_id)
         SELECT $1, $2, id FROM records WHERE tenant_id = $2 LIMIT 1`,
        [report.rows[0].id, tenantId],
      );
      await owner.query(
        `INSERT INTO user_identities (tenant_id, user_id, issuer, subject)
         SELECT $1, id, 'https://idp.example', id::text FROM users WHERE tenant_id = $1 LIMIT 1`,
        [tenantId],
      );
      await owner.query(
        `INSERT INTO log_verifications (id, tenant_id, job_id, requested_by, requested_at)
         VALUES (gen_random_uuid(), $1, $2, gen_random_uuid(), now())`,
        [tenantId, rows[0].id],
      );
    }
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  it('runs as a role that is neither superuser, BYPASSRLS nor owner of any tenant table', async () => {
    const [role] = await db.run(a, (m) =>
      m.query<{ user: string; rolsuper: boolean; rolbypassrls: boolean }[]>(
        `SELECT current_user AS user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
      ),
    );
    expect(role).toEqual({ user: 'audit_app', rolsuper: false, rolbypassrls: false });
    const owned = await owner.query(
      `SELECT relname FROM pg_class WHERE relname = ANY($1) AND pg_get_userbyid(relowner) = 'audit_app'`,
      [TENANT_TABLES],
    );
    expect(owned.rows).toEqual([]);
    const rls = await owner.query<{ relname: string; relrowsecurity: boolean }>(
      `SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY($1) ORDER BY relname`,
      [TENANT_TABLES],
    );
    expect(rls.rows.map((r) => [r.relname, r.relrowsecurity])).toEqual(
      [...TENANT_TABLES].sort().map((n) => [n, true]),
    );
  });

  it.each(TENANT_TABLES)(
    '%s: a query with no tenant filter sees only the current tenant',
    async (table) => {
      const total = await owner.query<{ n: number }>(
        `SELECT count(DISTINCT ${table === 'tenants' ? 'id' : 'tenant_id'})::int AS n FROM ${table}`,
      );
      expect(total.rows[0].n).toBe(2); // the data is there: both tenants have rows
      const seen = await db.run(a, (m) =>
        m.query<{ tenant: string }[]>(
          `SELECT DISTINCT ${table === 'tenants' ? 'id' : 'tenant_id'}::text AS tenant FROM ${table}`,
        ),
      );
      expect(seen.map((r) => r.tenant)).toEqual([a]);
    },
  );

  it('lists every table with a tenant_id column (a new one cannot be forgotten here)', async () => {
    const { rows } = await owner.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY table_name`,
    );
    const withTenant = rows.map((r) => r.table_name);
    expect(withTenant).toEqual(TENANT_TABLES.filter((n) => n !== 'tenants').sort());
  });

  it('shows nothing at all when no tenant is set', async () => {
    for (const table of TENANT_TABLES) {
      const rows = await db.withoutTenant<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM ${table}`,
        [],
      );
      expect([table, rows[0].n]).toEqual([table, 0]);
    }
  });

  it("refuses to write a row into another tenant, even with the other tenant's id", async () => {
    await expect(
      db.run(a, (m) =>
        m.query(`INSERT INTO applications (tenant_id, name) VALUES ($1, 'smuggled')`, [b]),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      db.run(a, (m) =>
        m.query(`UPDATE applications SET name = 'renamed' WHERE tenant_id = $1`, [b]),
      ),
    ).resolves.toEqual([[], 0]);
    const names = await owner.query(`SELECT name FROM applications WHERE tenant_id = $1`, [b]);
    expect(names.rows).toEqual([{ name: bApplicationName }]);
  });

  it('cannot point a row at another tenant’s object (composite foreign keys)', async () => {
    const bApp = await owner.query<{ id: string }>(
      `SELECT id FROM applications WHERE tenant_id = $1`,
      [b],
    );
    await expect(
      db.run(a, (m) =>
        m.query(
          `INSERT INTO api_keys (tenant_id, application_id, prefix, key_hash, scopes)
           VALUES ($1, $2, 'abcdefabcdef', decode(repeat('00', 32), 'hex'), ARRAY['generate'])`,
          [a, bApp.rows[0].id],
        ),
      ),
    ).rejects.toThrow(/api_keys_application_fk/);
  });

  it('keeps auth_events append-only, for the service role and for the owner', async () => {
    await expect(
      db.run(a, (m) => m.query(`UPDATE auth_events SET type = 'sign_out'`)),
    ).rejects.toThrow(/permission denied/);
    await expect(db.run(a, (m) => m.query(`DELETE FROM auth_events`))).rejects.toThrow(
      /permission denied/,
    );
    await expect(owner.query(`UPDATE auth_events SET ip = '1.2.3.4'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(owner.query(`DELETE FROM auth_events`)).rejects.toThrow(/append-only/);
    await expect(owner.query(`TRUNCATE auth_events`)).rejects.toThrow(/append-only/);
  });

  it('refuses column updates the service never needs (least privilege)', async () => {
    await expect(
      db.run(a, (m) => m.query(`UPDATE api_keys SET key_hash = decode(repeat('11', 32), 'hex')`)),
    ).rejects.toThrow(/permission denied/);
    await expect(db.run(a, (m) => m.query(`UPDATE users SET tenant_id = $1`, [b]))).rejects.toThrow(
      /permission denied/,
    );
  });

  it('will not run one tenant inside another tenant’s transaction', async () => {
    await expect(db.run(a, () => db.run(b, () => Promise.resolve(1)))).rejects.toThrow(
      /inside a transaction of tenant/,
    );
  });
});
