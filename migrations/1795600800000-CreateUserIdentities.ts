import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People's identities at an OpenID Connect provider (issue 16): (issuer, subject) names one user
 * of one tenant, never two. Written the first time a person signs in through the provider (when
 * the provider vouches for the e-mail of an existing user) and read on every sign-in after, so
 * a later change of e-mail at the provider does not move the identity to another account.
 */
export class CreateUserIdentities1795600800000 implements MigrationInterface {
  name = 'CreateUserIdentities1795600800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE "user_identities" (
        "tenant_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "issuer" text NOT NULL,
        "subject" text NOT NULL,
        "linked_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "user_identities_pkey" PRIMARY KEY ("tenant_id", "issuer", "subject"),
        CONSTRAINT "user_identities_user_key" UNIQUE ("tenant_id", "user_id", "issuer"),
        CONSTRAINT "user_identities_subject_check" CHECK (length("subject") BETWEEN 1 AND 255),
        CONSTRAINT "user_identities_user_fk" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE RESTRICT
      )`);
    await q(`ALTER TABLE "user_identities" ENABLE ROW LEVEL SECURITY`);
    await q(`
      CREATE POLICY tenant_isolation ON "user_identities"
        USING ("tenant_id" = app_current_tenant())
        WITH CHECK ("tenant_id" = app_current_tenant())`);
    await q(`GRANT SELECT, INSERT ON "user_identities" TO audit_app`);
    await q(`ALTER TABLE "auth_events" DROP CONSTRAINT "auth_events_type_check"`);
    await q(`
      ALTER TABLE "auth_events" ADD CONSTRAINT "auth_events_type_check"
        CHECK ("type" IN ('tenant.created', 'sign_in.succeeded', 'sign_in.failed', 'sign_in.locked_out', 'sign_out', 'password.changed', 'user.created', 'user.disabled', 'application.created', 'api_key.created', 'api_key.revoked', 'auditor_grant.created', 'auditor_grant.revoked', 'identity.linked'))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    // The trail is append-only; going back removes the one kind of event it cannot hold.
    await q(`ALTER TABLE "auth_events" DISABLE TRIGGER auth_events_append_only`);
    await q(`DELETE FROM "auth_events" WHERE "type" = 'identity.linked'`);
    await q(`ALTER TABLE "auth_events" ENABLE TRIGGER auth_events_append_only`);
    await q(`ALTER TABLE "auth_events" DROP CONSTRAINT "auth_events_type_check"`);
    await q(`
      ALTER TABLE "auth_events" ADD CONSTRAINT "auth_events_type_check"
        CHECK ("type" IN ('tenant.created', 'sign_in.succeeded', 'sign_in.failed', 'sign_in.locked_out', 'sign_out', 'password.changed', 'user.created', 'user.disabled', 'application.created', 'api_key.created', 'api_key.revoked', 'auditor_grant.created', 'auditor_grant.revoked'))`);
    await q(`DROP TABLE "user_identities"`);
  }
}
