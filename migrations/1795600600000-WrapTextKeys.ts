import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Text keys wrapped by keys outside the database (issue 16), so that erasure survives backups:
 * a row now holds its data key wrapped (`wrapped_key`, AES-256-GCM: IV, tag and key, 60 bytes)
 * under a key-encryption key named by `kek_id` (`tenant/day/generation`) that lives in the
 * text-key store, not in PostgreSQL. Rows written before keep their plain `data_key` until the
 * service wraps them at start-up (it needs the store, which a migration does not have);
 * `record_text_key_tenants()` names the tenants that have a log (so may have keys), for that start-up pass. Erasure
 * re-wraps the other rows of the erased record's KEK, hence UPDATE on the three key columns.
 */
export class WrapTextKeys1795600600000 implements MigrationInterface {
  name = 'WrapTextKeys1795600600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`ALTER TABLE "record_text_keys" ALTER COLUMN "data_key" DROP NOT NULL`);
    await q(
      `ALTER TABLE "record_text_keys" ADD COLUMN "kek_id" text, ADD COLUMN "wrapped_key" bytea`,
    );
    await q(`
      ALTER TABLE "record_text_keys" ADD CONSTRAINT "record_text_keys_one_form_check" CHECK (
        ("data_key" IS NOT NULL AND "kek_id" IS NULL AND "wrapped_key" IS NULL)
        OR ("data_key" IS NULL AND octet_length("wrapped_key") = 60
            AND split_part("kek_id", '/', 1) = "tenant_id"::text))`);
    await q(
      `CREATE INDEX "record_text_keys_kek_idx" ON "record_text_keys" ("tenant_id", "kek_id")
        WHERE "kek_id" IS NOT NULL`,
    );
    await q(
      `GRANT UPDATE ("data_key", "kek_id", "wrapped_key") ON "record_text_keys" TO audit_app`,
    );
    await q(`
      CREATE FUNCTION record_text_key_tenants() RETURNS TABLE (tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$ SELECT h.tenant_id FROM log_heads h $$`);
    await q(`REVOKE EXECUTE ON FUNCTION record_text_key_tenants() FROM PUBLIC`);
    await q(`GRANT EXECUTE ON FUNCTION record_text_key_tenants() TO audit_app`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    // Wrapped keys cannot go back without the store: refuse rather than lose every text.
    const [{ wrapped }] = (await queryRunner.query(
      `SELECT count(*) AS wrapped FROM "record_text_keys" WHERE "kek_id" IS NOT NULL`,
    )) as { wrapped: string }[];
    if (Number(wrapped) > 0) {
      throw new Error(
        `${wrapped} text keys are wrapped by the text-key store; reverting would make their texts unreadable`,
      );
    }
    await q(`DROP FUNCTION record_text_key_tenants()`);
    await q(
      `REVOKE UPDATE ("data_key", "kek_id", "wrapped_key") ON "record_text_keys" FROM audit_app`,
    );
    await q(`DROP INDEX "record_text_keys_kek_idx"`);
    await q(`ALTER TABLE "record_text_keys" DROP CONSTRAINT "record_text_keys_one_form_check"`);
    await q(`ALTER TABLE "record_text_keys" DROP COLUMN "kek_id", DROP COLUMN "wrapped_key"`);
    await q(`ALTER TABLE "record_text_keys" ALTER COLUMN "data_key" SET NOT NULL`);
  }
}
