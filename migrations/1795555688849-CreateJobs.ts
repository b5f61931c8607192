import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateJobs1795555688849 implements MigrationInterface {
  name = 'CreateJobs1795555688849';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "jobs" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "queue" text NOT NULL,
        "kind" text NOT NULL,
        "status" text NOT NULL,
        "progress" smallint NOT NULL DEFAULT 0,
        "progress_message" text,
        "payload" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "attempts" integer NOT NULL DEFAULT 0,
        "max_attempts" integer NOT NULL,
        "error" text,
        "result_ref" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "started_at" timestamptz,
        "finished_at" timestamptz,
        CONSTRAINT "jobs_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "jobs_status_check"
          CHECK ("status" IN ('queued', 'running', 'retrying', 'succeeded', 'failed')),
        CONSTRAINT "jobs_progress_check" CHECK ("progress" BETWEEN 0 AND 100),
        CONSTRAINT "jobs_max_attempts_check" CHECK ("max_attempts" >= 1)
      )`);
    await queryRunner.query(
      `CREATE INDEX "jobs_status_created_idx" ON "jobs" ("status", "created_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "jobs_status_created_idx"`);
    await queryRunner.query(`DROP TABLE "jobs"`);
  }
}
