import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Full verifications of a tenant's log, run by the worker (job `log.verify`) when a person asks
 * for one: who asked and when, and, once the job completes, the log size it covered, how many
 * records it checked against their signed bodies, and the problems it found (none: the log
 * verified). The portal shows the latest as "last full verification". A row is written when
 * requested and completed once; the database refuses any other change.
 */
export class CreateLogVerifications1795600500000 implements MigrationInterface {
  name = 'CreateLogVerifications1795600500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE "log_verifications" (
        "id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "job_id" uuid NOT NULL,
        "requested_by" uuid NOT NULL,
        "requested_at" timestamptz NOT NULL,
        "completed_at" timestamptz,
        "log_size" bigint,
        "records_checked" integer,
        "problems" jsonb,
        CONSTRAINT "log_verifications_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "log_verifications_complete_check" CHECK (
          ("completed_at" IS NULL) = ("log_size" IS NULL)
          AND ("completed_at" IS NULL) = ("problems" IS NULL)),
        CONSTRAINT "log_verifications_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT,
        CONSTRAINT "log_verifications_job_fk" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE RESTRICT
      )`);
    await q(
      `CREATE INDEX "log_verifications_tenant_time_idx" ON "log_verifications" ("tenant_id", "requested_at" DESC, "id" DESC)`,
    );
    await q(`ALTER TABLE "log_verifications" ENABLE ROW LEVEL SECURITY`);
    await q(`
      CREATE POLICY tenant_isolation ON "log_verifications"
        USING ("tenant_id" = app_current_tenant())
        WITH CHECK ("tenant_id" = app_current_tenant())`);
    await q(`
      CREATE FUNCTION log_verifications_complete_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.completed_at IS NOT NULL
           OR (to_jsonb(NEW) - ARRAY['completed_at', 'log_size', 'records_checked', 'problems'])
              <> (to_jsonb(OLD) - ARRAY['completed_at', 'log_size', 'records_checked', 'problems']) THEN
          RAISE EXCEPTION 'a verification is written once: its request and its result never change'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q(`
      CREATE TRIGGER "log_verifications_complete_once" BEFORE UPDATE ON "log_verifications"
        FOR EACH ROW EXECUTE FUNCTION log_verifications_complete_once()`);
    await q(`
      CREATE TRIGGER "log_verifications_no_delete" BEFORE DELETE ON "log_verifications"
        FOR EACH ROW EXECUTE FUNCTION reject_change()`);
    await q(`GRANT SELECT, INSERT ON "log_verifications" TO audit_app`);
    await q(
      `GRANT UPDATE ("completed_at", "log_size", "records_checked", "problems") ON "log_verifications" TO audit_app`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP TABLE "log_verifications"`);
    await q(`DROP FUNCTION log_verifications_complete_once()`);
  }
}
