import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which records' prompt and output a report's PDF and evidence package show (issue 16: erasure
 * left the text in reports built before it). Written with the report's completion, never
 * changed. A report is withdrawn when one of these records has an erasure entry: its files are
 * no longer served and are deleted from the artifact store. `withdrawn_report_artifacts()` lists
 * the files of withdrawn reports of every tenant, for the start-up pass that deletes those an
 * interrupted erasure left behind.
 */
export class CreateReportTexts1795600700000 implements MigrationInterface {
  name = 'CreateReportTexts1795600700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE "report_texts" (
        "report_id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "record_id" uuid NOT NULL,
        CONSTRAINT "report_texts_pkey" PRIMARY KEY ("report_id", "record_id"),
        CONSTRAINT "report_texts_report_fk" FOREIGN KEY ("report_id") REFERENCES "reports"("id") ON DELETE RESTRICT,
        CONSTRAINT "report_texts_record_fk" FOREIGN KEY ("record_id") REFERENCES "records"("id") ON DELETE RESTRICT
      )`);
    await q(`CREATE INDEX "report_texts_record_idx" ON "report_texts" ("tenant_id", "record_id")`);
    await q(`ALTER TABLE "report_texts" ENABLE ROW LEVEL SECURITY`);
    await q(`
      CREATE POLICY tenant_isolation ON "report_texts"
        USING ("tenant_id" = app_current_tenant())
        WITH CHECK ("tenant_id" = app_current_tenant())`);
    await q(`
      CREATE TRIGGER "report_texts_append_only" BEFORE UPDATE OR DELETE ON "report_texts"
        FOR EACH ROW EXECUTE FUNCTION reject_change()`);
    await q(`GRANT SELECT, INSERT ON "report_texts" TO audit_app`);
    await q(`
      CREATE FUNCTION withdrawn_report_artifacts()
        RETURNS TABLE (tenant_id uuid, report_id uuid, pdf_key text, evidence_key text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
          SELECT r.tenant_id, r.id, r.pdf_key, r.evidence_key FROM reports r
           WHERE EXISTS (SELECT 1 FROM report_texts rt
                           JOIN log_entries e ON e.tenant_id = rt.tenant_id
                            AND e.kind = 'erasure' AND e.subject_id = rt.record_id
                          WHERE rt.report_id = r.id)
        $$`);
    await q(`REVOKE EXECUTE ON FUNCTION withdrawn_report_artifacts() FROM PUBLIC`);
    await q(`GRANT EXECUTE ON FUNCTION withdrawn_report_artifacts() TO audit_app`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP FUNCTION withdrawn_report_artifacts()`);
    await q(`DROP TABLE "report_texts"`);
  }
}
