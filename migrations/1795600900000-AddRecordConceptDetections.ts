import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each named concept's highest detection in a record (concept-decomposition method version 3),
 * beside its highest share, so a reviewer can find the records where the model detected a
 * concept in what it read, or those whose explanation leans on a concept it did not detect.
 * NULL for records that state no detection (method versions 1 and 2): they match neither
 * search. Like concept_shares it is derived from the signed body, and whole-log verification
 * compares the two.
 *
 * Records written before this migration are filled from their signed bodies, as the service
 * computes the column (`conceptDetections`): per key, the highest `detection` of the chunks'
 * named concepts that state one. Numeric, not float8, so each value keeps its body's digits.
 */
export class AddRecordConceptDetections1795600900000 implements MigrationInterface {
  name = 'AddRecordConceptDetections1795600900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`ALTER TABLE "records" ADD COLUMN "concept_detections" jsonb`);
    // Records are append-only; this fills a column they did not have, from their own entries.
    await q(`ALTER TABLE "records" DISABLE TRIGGER records_append_only`);
    await q(`
      UPDATE "records" r SET "concept_detections" = d.detections
        FROM (
          SELECT e.id, jsonb_object_agg(k.key, k.detection) AS detections
            FROM "log_entries" e,
                 LATERAL (
                   SELECT c ->> 'key' AS key, max((c ->> 'detection')::numeric) AS detection
                     FROM jsonb_array_elements(e.body::jsonb -> 'chunks') ch,
                          jsonb_array_elements(ch -> 'concepts' -> 'known') c
                    WHERE c ? 'key' AND c ? 'detection'
                    GROUP BY c ->> 'key'
                 ) k
           WHERE e.kind = 'record'
           GROUP BY e.id
        ) d
       WHERE d.id = r.id`);
    await q(`ALTER TABLE "records" ENABLE TRIGGER records_append_only`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "records" DROP COLUMN "concept_detections"`);
  }
}
