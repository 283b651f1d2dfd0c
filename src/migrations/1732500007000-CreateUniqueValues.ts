import { MigrationInterface, QueryRunner } from 'typeorm';
import { UNIQUE_VALUE_CONSTRAINT, UNIQUE_VALUES_TABLE } from './schema-names';

/**
 * Creates `unique_values`: values unique across aggregates (per scope: `email`, `order-number`),
 * each held by one aggregate. A save claims and releases them in the same statement as its
 * events, so a value is held exactly when the events that claimed it are stored.
 */
export class CreateUniqueValues1732500007000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CreateUniqueValues1732500007000';

  /** Creates the table. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "${UNIQUE_VALUES_TABLE}" (
        "scope" VARCHAR(255) NOT NULL,
        "value" VARCHAR(1024) NOT NULL,
        "aggregate_id" UUID NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT NOW(),
        CONSTRAINT "${UNIQUE_VALUE_CONSTRAINT}" PRIMARY KEY ("scope", "value")
      )
    `);
  }

  /** Drops the table. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${UNIQUE_VALUES_TABLE}"`);
  }
}
