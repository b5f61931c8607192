import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each named concept's highest detection in a record (concept-decomposition method version 3),
 * beside its highest share, so a reviewer can find the records where the model detected a
 * concept in what it read, or those whose explanation leans on a concept it did not detect.
 * NULL for records that state no detection (method versions 1 and 2): they match neither
 * search. Like concept_shares it is derived from the signed body, and whole-log verification
 * compares the two.
 */
export class AddRecordConceptDetections1795600900000 implements MigrationInterface {
  name = 'AddRecordConceptDetections1795600900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "records" ADD COLUMN "concept_detections" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "records" DROP COLUMN "concept_detections"`);
  }
}
