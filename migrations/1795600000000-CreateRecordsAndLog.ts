import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables no one may change or delete a row of, whatever their grants: the evidence. */
const APPEND_ONLY = ['log_entries', 'records', 'record_texts', 'checkpoints'];
const TENANT_TABLES = [...APPEND_ONLY, 'log_heads', 'record_text_keys'];

/**
 * The per-tenant log and the records it holds.
 *
 * - `log_heads`: one row per tenant with its log size; the row lock sequences writers across
 *   processes (a batch of entries takes it once), and a trigger lets the size only grow.
 * - `log_entries`: every leaf of every tenant's log: records, reviews, erasures and reads, as the
 *   canonical JSON body that was hashed and signed, the leaf hash, the Ed25519 signature and key id.
 * - `records`: the searchable facts of record entries (application, time, case, policy outcome,
 *   concept shares) and the idempotency key of the request that made each.
 * - `record_texts`: prompt and output, encrypted with a key of their own; `record_text_keys`
 *   holds that key, and erasure deletes it: the only deletion the service can make.
 * - `checkpoints`: signed tree heads (C2SP signed notes).
 */
export class CreateRecordsAndLog1795600000000 implements MigrationInterface {
  name = 'CreateRecordsAndLog1795600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE "log_heads" (
        "tenant_id" uuid NOT NULL,
        "size" bigint NOT NULL DEFAULT 0,
        CONSTRAINT "log_heads_pkey" PRIMARY KEY ("tenant_id"),
        CONSTRAINT "log_heads_size_check" CHECK ("size" >= 0),
        CONSTRAINT "log_heads_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT
      )`);
    await q(`
      CREATE TABLE "log_entries" (
        "tenant_id" uuid NOT NULL,
        "log_index" bigint NOT NULL,
        "id" uuid NOT NULL,
        "kind" text NOT NULL,
        "subject_id" uuid,
        "body" text NOT NULL,
        "leaf_hash" bytea NOT NULL,
        "signature" bytea NOT NULL,
        "key_id" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        CONSTRAINT "log_entries_pkey" PRIMARY KEY ("tenant_id", "log_index"),
        CONSTRAINT "log_entries_id_key" UNIQUE ("id"),
        CONSTRAINT "log_entries_index_check" CHECK ("log_index" >= 0),
        CONSTRAINT "log_entries_kind_check" CHECK ("kind" IN ('record', 'review', 'erasure', 'access')),
        CONSTRAINT "log_entries_leaf_check" CHECK (octet_length("leaf_hash") = 32),
        CONSTRAINT "log_entries_signature_check" CHECK (octet_length("signature") = 64),
        CONSTRAINT "log_entries_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT
      )`);
    await q(`
      CREATE INDEX "log_entries_subject_idx" ON "log_entries" ("tenant_id", "subject_id", "log_index")
        WHERE "subject_id" IS NOT NULL`);
    await q(`
      CREATE TABLE "records" (
        "id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "log_index" bigint NOT NULL,
        "application_id" uuid NOT NULL,
        "created_at" timestamptz NOT NULL,
        "provenance" text NOT NULL,
        "purpose" text,
        "case_id" text,
        "policy_outcome" text NOT NULL,
        "concept_shares" jsonb NOT NULL DEFAULT '{}',
        "idempotency_key" text,
        "request_sha256" bytea,
        CONSTRAINT "records_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "records_provenance_check" CHECK ("provenance" IN ('generated', 'submitted')),
        CONSTRAINT "records_policy_check" CHECK ("policy_outcome" IN ('pass', 'flag', 'block')),
        CONSTRAINT "records_idempotency_key" UNIQUE ("tenant_id", "application_id", "idempotency_key"),
        CONSTRAINT "records_entry_fk" FOREIGN KEY ("tenant_id", "log_index")
          REFERENCES "log_entries"("tenant_id", "log_index") ON DELETE RESTRICT,
        CONSTRAINT "records_id_fk" FOREIGN KEY ("id") REFERENCES "log_entries"("id") ON DELETE RESTRICT,
        CONSTRAINT "records_application_fk" FOREIGN KEY ("tenant_id", "application_id")
          REFERENCES "applications"("tenant_id", "id") ON DELETE RESTRICT
      )`);
    await q(
      `CREATE INDEX "records_time_idx" ON "records" ("tenant_id", "created_at" DESC, "id" DESC)`,
    );
    await q(
      `CREATE INDEX "records_case_idx" ON "records" ("tenant_id", "case_id") WHERE "case_id" IS NOT NULL`,
    );
    await q(`
      CREATE TABLE "record_texts" (
        "record_id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "iv" bytea NOT NULL,
        "ciphertext" bytea NOT NULL,
        "tag" bytea NOT NULL,
        CONSTRAINT "record_texts_pkey" PRIMARY KEY ("record_id"),
        CONSTRAINT "record_texts_record_fk" FOREIGN KEY ("record_id") REFERENCES "records"("id") ON DELETE RESTRICT
      )`);
    await q(`
      CREATE TABLE "record_text_keys" (
        "record_id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "data_key" bytea NOT NULL,
        CONSTRAINT "record_text_keys_pkey" PRIMARY KEY ("record_id"),
        CONSTRAINT "record_text_keys_length_check" CHECK (octet_length("data_key") = 32),
        CONSTRAINT "record_text_keys_text_fk" FOREIGN KEY ("record_id") REFERENCES "record_texts"("record_id") ON DELETE RESTRICT
      )`);
    await q(`
      CREATE TABLE "checkpoints" (
        "tenant_id" uuid NOT NULL,
        "size" bigint NOT NULL,
        "root" bytea NOT NULL,
        "note" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("tenant_id", "size"),
        CONSTRAINT "checkpoints_root_check" CHECK (octet_length("root") = 32),
        CONSTRAINT "checkpoints_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT
      )`);

    for (const table of TENANT_TABLES) {
      await q(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await q(`
        CREATE POLICY tenant_isolation ON "${table}"
          USING ("tenant_id" = app_current_tenant())
          WITH CHECK ("tenant_id" = app_current_tenant())`);
    }
    for (const table of APPEND_ONLY) {
      await q(`
        CREATE TRIGGER "${table}_append_only" BEFORE UPDATE OR DELETE ON "${table}"
          FOR EACH ROW EXECUTE FUNCTION reject_change()`);
      await q(`
        CREATE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}"
          FOR EACH STATEMENT EXECUTE FUNCTION reject_change()`);
    }
    await q(`
      CREATE FUNCTION log_head_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.size < OLD.size OR NEW.tenant_id <> OLD.tenant_id THEN
          RAISE EXCEPTION 'a log only grows: size % cannot become %', OLD.size, NEW.size
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q(`
      CREATE TRIGGER "log_heads_only_grow" BEFORE UPDATE ON "log_heads"
        FOR EACH ROW EXECUTE FUNCTION log_head_only_grows()`);
    await q(`
      CREATE TRIGGER "log_heads_no_delete" BEFORE DELETE ON "log_heads"
        FOR EACH ROW EXECUTE FUNCTION reject_change()`);

    // The scheduled checkpoint signer runs for no tenant in particular: it may learn which
    // tenants' logs grew past their latest checkpoint, and nothing else.
    await q(`
      CREATE FUNCTION log_tenants_to_checkpoint() RETURNS TABLE (tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
          SELECT h.tenant_id FROM log_heads h
           WHERE h.size > COALESCE((SELECT max(c.size) FROM checkpoints c
                                     WHERE c.tenant_id = h.tenant_id), 0)
        $$`);

    // Functions are executable by PUBLIC unless revoked: only the service role may ask.
    await q(`REVOKE EXECUTE ON FUNCTION log_tenants_to_checkpoint() FROM PUBLIC`);
    await q(`GRANT EXECUTE ON FUNCTION log_tenants_to_checkpoint() TO audit_app`);

    for (const table of APPEND_ONLY) await q(`GRANT SELECT, INSERT ON "${table}" TO audit_app`);
    await q(`GRANT SELECT, INSERT ON "log_heads" TO audit_app`);
    await q(`GRANT UPDATE ("size") ON "log_heads" TO audit_app`);
    await q(`GRANT SELECT, INSERT, DELETE ON "record_text_keys" TO audit_app`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP FUNCTION log_tenants_to_checkpoint()`);
    for (const table of [
      'checkpoints',
      'record_text_keys',
      'record_texts',
      'records',
      'log_entries',
      'log_heads',
    ]) {
      await q(`DROP TABLE "${table}"`);
    }
    await q(`DROP FUNCTION log_head_only_grows()`);
  }
}
