import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-application concept policies, versioned: a change is a new row with the next version, and
 * no version is ever altered or removed (a record names the version it was judged under, so that
 * version must stay readable as it was).
 */
export class CreatePolicies1795600100000 implements MigrationInterface {
  name = 'CreatePolicies1795600100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE "policies" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" uuid NOT NULL,
        "application_id" uuid NOT NULL,
        "version" integer NOT NULL,
        "rules" jsonb NOT NULL,
        "created_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "policies_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "policies_version_key" UNIQUE ("tenant_id", "application_id", "version"),
        CONSTRAINT "policies_version_check" CHECK ("version" >= 1),
        CONSTRAINT "policies_application_fk" FOREIGN KEY ("tenant_id", "application_id")
          REFERENCES "applications"("tenant_id", "id") ON DELETE RESTRICT
      )`);
    await q(`ALTER TABLE "policies" ENABLE ROW LEVEL SECURITY`);
    await q(`
      CREATE POLICY tenant_isolation ON "policies"
        USING ("tenant_id" = app_current_tenant())
        WITH CHECK ("tenant_id" = app_current_tenant())`);
    await q(`
      CREATE TRIGGER "policies_append_only" BEFORE UPDATE OR DELETE ON "policies"
        FOR EACH ROW EXECUTE FUNCTION reject_change()`);
    await q(`
      CREATE TRIGGER "policies_no_truncate" BEFORE TRUNCATE ON "policies"
        FOR EACH STATEMENT EXECUTE FUNCTION reject_change()`);
    await q(`GRANT SELECT, INSERT ON "policies" TO audit_app`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "policies"`);
  }
}
