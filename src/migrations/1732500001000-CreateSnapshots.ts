import { MigrationInterface, QueryRunner } from 'typeorm';
import { SNAPSHOTS_TABLE } from './schema-names';

/**
 * Creates the `snapshots` table: the latest snapshot of each aggregate that has a snapshot
 * policy. Unlike events, rows are replaced in place: a snapshot is a cache of the fold of its
 * events, never a source of truth, so deleting any of them is always safe.
 */
export class CreateSnapshots1732500001000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CreateSnapshots1732500001000';

  /** Creates the table. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "${SNAPSHOTS_TABLE}" (
        "aggregate_id" UUID PRIMARY KEY,
        "aggregate_type" VARCHAR(255) NOT NULL,
        "version" INTEGER NOT NULL CONSTRAINT "ck_snapshots_version_positive" CHECK ("version" > 0),
        "schema_version" INTEGER NOT NULL CONSTRAINT "ck_snapshots_schema_version_positive" CHECK ("schema_version" > 0),
        "state" JSONB NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT NOW()
      )
    `);
  }

  /** Drops the table. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${SNAPSHOTS_TABLE}"`);
  }
}
