import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Log entry bodies (records of tens of kB) are stored compressed with lz4 where the server has
 * it: several times faster to write than the default pglz, and smaller. A server built without
 * lz4 keeps pglz; nothing else changes. Only new values are compressed the new way.
 */
export class CompressLogBodies1795600200000 implements MigrationInterface {
  name = 'CompressLogBodies1795600200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$ BEGIN
        IF 'lz4' = ANY ((SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression')::text[]) THEN
          ALTER TABLE "log_entries" ALTER COLUMN "body" SET COMPRESSION lz4;
        END IF;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "log_entries" ALTER COLUMN "body" SET COMPRESSION default`,
    );
  }
}
