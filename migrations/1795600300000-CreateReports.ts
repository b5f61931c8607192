import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reports, and jobs that belong to a tenant.
 *
 * - `jobs.tenant_id`: a job a person asked for (a report) belongs to their tenant, and row-level
 *   security hides it from every other tenant. Jobs of the service itself (tenant_id NULL) are
 *   visible only outside any tenant's transaction: the policy compares with IS NOT DISTINCT FROM,
 *   so NULL matches NULL. The worker's sweep and the metrics read across tenants through two
 *   SECURITY DEFINER functions that return only what they need.
 * - `reports`: one row per requested report. What the report covers is fixed when it is
 *   requested (its scope, the request time that is also the PDF's clock, and the signed
 *   checkpoint whose tree it reads), so a build that is retried after a crash reads the same
 *   records and writes the same bytes. The artifact columns are set once, when the build
 *   completes; a trigger refuses any other change.
 */
export class CreateReports1795600300000 implements MigrationInterface {
  name = 'CreateReports1795600300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`ALTER TABLE "jobs" ADD COLUMN "tenant_id" uuid`);
    await q(`
      ALTER TABLE "jobs" ADD CONSTRAINT "jobs_tenant_fk"
        FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT`);
    await q(`CREATE INDEX "jobs_tenant_created_idx" ON "jobs" ("tenant_id", "created_at")`);
    await q(`ALTER TABLE "jobs" ENABLE ROW LEVEL SECURITY`);
    await q(`
      CREATE POLICY tenant_isolation ON "jobs"
        USING ("tenant_id" IS NOT DISTINCT FROM app_current_tenant())
        WITH CHECK ("tenant_id" IS NOT DISTINCT FROM app_current_tenant())`);
    await q(`
      CREATE FUNCTION jobs_queued_before(before timestamptz, max_rows integer)
        RETURNS TABLE (id uuid, tenant_id uuid, kind text, max_attempts integer)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
          SELECT j.id, j.tenant_id, j.kind, j.max_attempts FROM jobs j
           WHERE j.status = 'queued' AND j.created_at < before
           ORDER BY j.created_at LIMIT max_rows
        $$`);
    await q(`
      CREATE FUNCTION jobs_count_by_kind_and_status()
        RETURNS TABLE (kind text, status text, count integer)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$ SELECT j.kind, j.status, count(*)::int FROM jobs j GROUP BY j.kind, j.status $$`);
    for (const fn of [
      'jobs_queued_before(timestamptz, integer)',
      'jobs_count_by_kind_and_status()',
    ]) {
      await q(`REVOKE EXECUTE ON FUNCTION ${fn} FROM PUBLIC`);
      await q(`GRANT EXECUTE ON FUNCTION ${fn} TO audit_app`);
    }

    await q(`
      CREATE TABLE "reports" (
        "id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "kind" text NOT NULL,
        "scope" jsonb NOT NULL,
        "requested_by" uuid NOT NULL,
        "requested_at" timestamptz NOT NULL,
        "job_id" uuid NOT NULL,
        "checkpoint_size" bigint NOT NULL,
        "previous_report_id" uuid,
        "pdf_key" text,
        "pdf_sha256" bytea,
        "pdf_bytes" bigint,
        "evidence_key" text,
        "evidence_sha256" bytea,
        "evidence_bytes" bigint,
        "record_count" integer,
        "completed_at" timestamptz,
        CONSTRAINT "reports_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "reports_kind_check"
          CHECK ("kind" IN ('decision-evidence', 'case-file', 'period-audit')),
        CONSTRAINT "reports_checkpoint_check" CHECK ("checkpoint_size" >= 0),
        CONSTRAINT "reports_sha256_check"
          CHECK (octet_length("pdf_sha256") = 32 AND octet_length("evidence_sha256") = 32),
        CONSTRAINT "reports_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT,
        CONSTRAINT "reports_job_fk" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE RESTRICT,
        CONSTRAINT "reports_previous_fk" FOREIGN KEY ("previous_report_id") REFERENCES "reports"("id") ON DELETE RESTRICT
      )`);
    await q(
      `CREATE INDEX "reports_tenant_time_idx" ON "reports" ("tenant_id", "requested_at" DESC, "id" DESC)`,
    );
    await q(`ALTER TABLE "reports" ENABLE ROW LEVEL SECURITY`);
    await q(`
      CREATE POLICY tenant_isolation ON "reports"
        USING ("tenant_id" = app_current_tenant())
        WITH CHECK ("tenant_id" = app_current_tenant())`);
    await q(`
      CREATE FUNCTION reports_complete_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.completed_at IS NOT NULL
           OR (to_jsonb(NEW) - ARRAY['pdf_key', 'pdf_sha256', 'pdf_bytes', 'evidence_key',
                                     'evidence_sha256', 'evidence_bytes', 'record_count',
                                     'completed_at'])
              <> (to_jsonb(OLD) - ARRAY['pdf_key', 'pdf_sha256', 'pdf_bytes', 'evidence_key',
                                        'evidence_sha256', 'evidence_bytes', 'record_count',
                                        'completed_at']) THEN
          RAISE EXCEPTION 'a report is written once: its request and its artifacts never change'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q(`
      CREATE TRIGGER "reports_complete_once" BEFORE UPDATE ON "reports"
        FOR EACH ROW EXECUTE FUNCTION reports_complete_once()`);
    await q(`
      CREATE TRIGGER "reports_no_delete" BEFORE DELETE ON "reports"
        FOR EACH ROW EXECUTE FUNCTION reject_change()`);
    await q(`GRANT SELECT, INSERT ON "reports" TO audit_app`);
    await q(`
      GRANT UPDATE ("pdf_key", "pdf_sha256", "pdf_bytes", "evidence_key", "evidence_sha256",
                    "evidence_bytes", "record_count", "completed_at") ON "reports" TO audit_app`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP TABLE "reports"`);
    await q(`DROP FUNCTION reports_complete_once()`);
    await q(`DROP FUNCTION jobs_count_by_kind_and_status()`);
    await q(`DROP FUNCTION jobs_queued_before(timestamptz, integer)`);
    await q(`DROP POLICY tenant_isolation ON "jobs"`);
    await q(`ALTER TABLE "jobs" DISABLE ROW LEVEL SECURITY`);
    await q(`DROP INDEX "jobs_tenant_created_idx"`);
    await q(`ALTER TABLE "jobs" DROP CONSTRAINT "jobs_tenant_fk"`);
    await q(`ALTER TABLE "jobs" DROP COLUMN "tenant_id"`);
  }
}
