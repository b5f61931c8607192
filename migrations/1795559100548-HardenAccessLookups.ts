import { MigrationInterface, QueryRunner } from 'typeorm';

// pg_temp is searched first unless named: without it, a session of the application role could
// create a temporary "sessions" or "tenants" table and have the SECURITY DEFINER look-ups read it.
const LOOKUPS = ['auth_find_api_key(text)', 'auth_find_session(bytea)', 'auth_find_tenant(text)'];

export class HardenAccessLookups1795559100548 implements MigrationInterface {
  name = 'HardenAccessLookups1795559100548';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const fn of LOOKUPS) {
      await queryRunner.query(`ALTER FUNCTION ${fn} SET search_path = pg_catalog, public, pg_temp`);
    }
    // The application role needs no temporary tables at all.
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); END $$`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database()); END $$`,
    );
    for (const fn of LOOKUPS) {
      await queryRunner.query(`ALTER FUNCTION ${fn} SET search_path = pg_catalog, public`);
    }
  }
}
