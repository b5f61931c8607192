import { MigrationInterface, QueryRunner } from 'typeorm';

// Tables, from the entities (npm run migration:generate), then by hand what the generator cannot
// express: the application role and its grants, row-level security, the SECURITY DEFINER look-ups
// that run before a tenant is known, and the append-only trigger on auth_events.

const TENANT_TABLES = ['users', 'auditor_grants', 'applications', 'api_keys', 'sessions'];

export class CreateTenantsAndAccess1795557552127 implements MigrationInterface {
  name = 'CreateTenantsAndAccess1795557552127';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE "tenants" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "slug" text NOT NULL,
        "name" text NOT NULL,
        "is_demo" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "tenants_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "tenants_slug_key" UNIQUE ("slug"),
        CONSTRAINT "tenants_name_check" CHECK (char_length("name") BETWEEN 1 AND 200),
        CONSTRAINT "tenants_slug_check" CHECK ("slug" ~ '^[a-z0-9][a-z0-9-]{1,62}$')
      )`);
    await q(`
      CREATE TABLE "users" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" uuid NOT NULL,
        "email" text NOT NULL,
        "role" text NOT NULL,
        "password_hash" text NOT NULL,
        "password_must_change" boolean NOT NULL DEFAULT true,
        "failed_sign_ins" integer NOT NULL DEFAULT 0,
        "locked_until" timestamptz,
        "disabled_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "users_tenant_id_key" UNIQUE ("tenant_id", "id"),
        CONSTRAINT "users_tenant_email_key" UNIQUE ("tenant_id", "email"),
        CONSTRAINT "users_failed_sign_ins_check" CHECK ("failed_sign_ins" >= 0),
        CONSTRAINT "users_email_check" CHECK ("email" = lower("email") AND "email" LIKE '%_@_%'),
        CONSTRAINT "users_role_check" CHECK ("role" IN ('admin', 'compliance_officer', 'auditor')),
        CONSTRAINT "users_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT
      )`);
    await q(`
      CREATE TABLE "auditor_grants" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "valid_from" timestamptz NOT NULL DEFAULT now(),
        "valid_until" timestamptz NOT NULL,
        "reason" text,
        "granted_by" uuid,
        "revoked_at" timestamptz,
        "revoked_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "auditor_grants_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "auditor_grants_window_check" CHECK ("valid_until" > "valid_from"),
        CONSTRAINT "auditor_grants_user_fk" FOREIGN KEY ("user_id", "tenant_id")
          REFERENCES "users"("id", "tenant_id") ON DELETE RESTRICT
      )`);
    await q(
      `CREATE INDEX "auditor_grants_user_idx" ON "auditor_grants" ("tenant_id", "user_id", "valid_until")`,
    );
    await q(`
      CREATE TABLE "applications" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" uuid NOT NULL,
        "name" text NOT NULL,
        "created_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "disabled_at" timestamptz,
        CONSTRAINT "applications_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "applications_tenant_id_key" UNIQUE ("tenant_id", "id"),
        CONSTRAINT "applications_tenant_name_key" UNIQUE ("tenant_id", "name"),
        CONSTRAINT "applications_name_check" CHECK (char_length("name") BETWEEN 1 AND 120),
        CONSTRAINT "applications_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT
      )`);
    await q(`
      CREATE TABLE "api_keys" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" uuid NOT NULL,
        "application_id" uuid NOT NULL,
        "prefix" text NOT NULL,
        "key_hash" bytea NOT NULL,
        "scopes" text array NOT NULL,
        "created_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz,
        "last_used_at" timestamptz,
        "revoked_at" timestamptz,
        "revoked_by" uuid,
        CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "api_keys_prefix_key" UNIQUE ("prefix"),
        CONSTRAINT "api_keys_scopes_check" CHECK (cardinality("scopes") > 0 AND "scopes" <@ ARRAY['generate', 'records:submit', 'records:read', 'reports']::text[]),
        CONSTRAINT "api_keys_hash_check" CHECK (octet_length("key_hash") = 32),
        CONSTRAINT "api_keys_prefix_check" CHECK ("prefix" ~ '^[a-z0-9]{12}$'),
        CONSTRAINT "api_keys_application_fk" FOREIGN KEY ("application_id", "tenant_id")
          REFERENCES "applications"("id", "tenant_id") ON DELETE RESTRICT
      )`);
    await q(
      `CREATE INDEX "api_keys_application_idx" ON "api_keys" ("tenant_id", "application_id")`,
    );
    await q(`
      CREATE TABLE "sessions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "token_hash" bytea NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_seen_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "revoked_at" timestamptz,
        CONSTRAINT "sessions_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "sessions_token_hash_key" UNIQUE ("token_hash"),
        CONSTRAINT "sessions_token_hash_check" CHECK (octet_length("token_hash") = 32),
        CONSTRAINT "sessions_user_fk" FOREIGN KEY ("user_id", "tenant_id")
          REFERENCES "users"("id", "tenant_id") ON DELETE RESTRICT
      )`);
    await q(`CREATE INDEX "sessions_user_idx" ON "sessions" ("tenant_id", "user_id")`);
    await q(`
      CREATE TABLE "auth_events" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "tenant_id" uuid,
        "occurred_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "type" text NOT NULL,
        "actor_user_id" uuid,
        "subject_id" uuid,
        "ip" text,
        "details" jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT "auth_events_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "auth_events_type_check" CHECK ("type" IN ('tenant.created', 'sign_in.succeeded', 'sign_in.failed', 'sign_in.locked_out', 'sign_out', 'password.changed', 'user.created', 'user.disabled', 'application.created', 'api_key.created', 'api_key.revoked', 'auditor_grant.created', 'auditor_grant.revoked'))
      )`);
    await q(
      `CREATE INDEX "auth_events_tenant_time_idx" ON "auth_events" ("tenant_id", "occurred_at")`,
    );

    // The role the service runs as. NOLOGIN here; bootstrap gives a login to the role named in
    // DATABASE_APP_URL (src/database/app-role.ts). Roles are cluster-wide, so it may exist already.
    await q(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'audit_app') THEN
          CREATE ROLE audit_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        END IF;
      END $$`);

    // The tenant of the current transaction, set with set_config('app.tenant_id', id, true).
    // Unset (NULL, or '' once the setting has existed in the session) matches no row at all.
    await q(`
      CREATE FUNCTION app_current_tenant() RETURNS uuid
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$`);

    await q(`ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY`);
    await q(`
      CREATE POLICY tenant_isolation ON "tenants"
        USING ("id" = app_current_tenant()) WITH CHECK ("id" = app_current_tenant())`);
    for (const table of TENANT_TABLES) {
      await q(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await q(`
        CREATE POLICY tenant_isolation ON "${table}"
          USING ("tenant_id" = app_current_tenant())
          WITH CHECK ("tenant_id" = app_current_tenant())`);
    }
    await q(`ALTER TABLE "auth_events" ENABLE ROW LEVEL SECURITY`);
    await q(`
      CREATE POLICY tenant_read ON "auth_events" FOR SELECT
        USING ("tenant_id" = app_current_tenant())`);
    // A failed sign-in for an organisation that does not exist has no tenant to belong to.
    await q(`
      CREATE POLICY tenant_append ON "auth_events" FOR INSERT
        WITH CHECK ("tenant_id" IS NULL OR "tenant_id" = app_current_tenant())`);

    await q(`
      CREATE FUNCTION reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q(`
      CREATE TRIGGER auth_events_append_only BEFORE UPDATE OR DELETE ON "auth_events"
        FOR EACH ROW EXECUTE FUNCTION reject_change()`);
    await q(`
      CREATE TRIGGER auth_events_no_truncate BEFORE TRUNCATE ON "auth_events"
        FOR EACH STATEMENT EXECUTE FUNCTION reject_change()`);

    // Least privilege: only the columns the service changes are updatable, and nothing is deleted
    // except sessions (expired ones are purged).
    await q(`GRANT SELECT, INSERT ON "tenants" TO audit_app`);
    await q(`GRANT UPDATE ("name") ON "tenants" TO audit_app`);
    await q(`GRANT SELECT, INSERT ON "users" TO audit_app`);
    await q(`
      GRANT UPDATE ("role", "password_hash", "password_must_change", "failed_sign_ins",
                    "locked_until", "disabled_at", "updated_at") ON "users" TO audit_app`);
    await q(`GRANT SELECT, INSERT ON "auditor_grants" TO audit_app`);
    await q(`GRANT UPDATE ("revoked_at", "revoked_by") ON "auditor_grants" TO audit_app`);
    await q(`GRANT SELECT, INSERT ON "applications" TO audit_app`);
    await q(`GRANT UPDATE ("name", "disabled_at") ON "applications" TO audit_app`);
    await q(`GRANT SELECT, INSERT ON "api_keys" TO audit_app`);
    await q(`GRANT UPDATE ("last_used_at", "revoked_at", "revoked_by") ON "api_keys" TO audit_app`);
    await q(`GRANT SELECT, INSERT, DELETE ON "sessions" TO audit_app`);
    await q(`GRANT UPDATE ("last_seen_at", "revoked_at") ON "sessions" TO audit_app`);
    await q(`GRANT SELECT, INSERT ON "auth_events" TO audit_app`);
    await q(`GRANT SELECT, INSERT, UPDATE ON "jobs" TO audit_app`);

    // Before a request's tenant is known, a credential has to be resolved to one. These functions
    // run as the table owner (past RLS), take only a secret's hash or a public slug, and return
    // the one matching row: holding the credential is what authorises seeing it.
    await q(`
      CREATE FUNCTION auth_find_api_key(p_prefix text)
        RETURNS TABLE (tenant_id uuid, key_id uuid, application_id uuid, key_hash bytea,
                       scopes text[], expires_at timestamptz, revoked_at timestamptz,
                       application_disabled_at timestamptz, last_used_at timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
        AS $$
          SELECT k.tenant_id, k.id, k.application_id, k.key_hash, k.scopes, k.expires_at,
                 k.revoked_at, a.disabled_at, k.last_used_at
            FROM api_keys k JOIN applications a ON a.id = k.application_id AND a.tenant_id = k.tenant_id
           WHERE k.prefix = p_prefix
        $$`);
    await q(`
      CREATE FUNCTION auth_find_session(p_token_hash bytea)
        RETURNS TABLE (tenant_id uuid, session_id uuid, user_id uuid,
                       expires_at timestamptz, last_seen_at timestamptz, revoked_at timestamptz,
                       email text, role text, password_must_change boolean,
                       disabled_at timestamptz, auditor_access_until timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
        AS $$
          SELECT s.tenant_id, s.id, s.user_id, s.expires_at, s.last_seen_at,
                 s.revoked_at, u.email, u.role, u.password_must_change, u.disabled_at,
                 (SELECT max(g.valid_until) FROM auditor_grants g
                   WHERE g.tenant_id = u.tenant_id AND g.user_id = u.id
                     AND g.revoked_at IS NULL AND g.valid_from <= now())
            FROM sessions s JOIN users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id
           WHERE s.token_hash = p_token_hash
        $$`);
    await q(`
      CREATE FUNCTION auth_find_tenant(p_slug text) RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
        AS $$ SELECT id FROM tenants WHERE slug = p_slug $$`);
    for (const fn of [
      'auth_find_api_key(text)',
      'auth_find_session(bytea)',
      'auth_find_tenant(text)',
    ]) {
      await q(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q(`GRANT EXECUTE ON FUNCTION ${fn} TO audit_app`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP FUNCTION auth_find_tenant(text)`);
    await q(`DROP FUNCTION auth_find_session(bytea)`);
    await q(`DROP FUNCTION auth_find_api_key(text)`);
    await q(`REVOKE ALL ON "jobs" FROM audit_app`);
    for (const table of ['auth_events', 'sessions', 'api_keys', 'applications', 'auditor_grants']) {
      await q(`DROP TABLE "${table}"`);
    }
    await q(`DROP TABLE "users"`);
    await q(`DROP TABLE "tenants"`);
    await q(`DROP FUNCTION reject_change()`);
    await q(`DROP FUNCTION app_current_tenant()`);
    // The audit_app role stays: roles belong to the whole cluster, and other databases on it
    // may still use it.
  }
}
