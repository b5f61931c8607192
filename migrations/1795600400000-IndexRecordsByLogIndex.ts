import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Records by their place in the log: reports read a scope's records in log order, a keyset page
 * at a time (`log_index > after ORDER BY log_index LIMIT n`). Without this index each page of a
 * period audit went through the time index, joined every record of the period and sorted them
 * to keep 250: a 100,000-record period read the period 400 times (bench:reports).
 */
export class IndexRecordsByLogIndex1795600400000 implements MigrationInterface {
  name = 'IndexRecordsByLogIndex1795600400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      // Not UNIQUE: a record's index is its entry's, which the log already keeps unique; a
      // constraint here would also stop the tamper tests from changing it as an owner could.
      `CREATE INDEX "records_log_idx" ON "records" ("tenant_id", "log_index")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "records_log_idx"`);
  }
}
