import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  AGGREGATE_VERSION_CONSTRAINT,
  EVENTS_TABLE,
  POSITION_CONSTRAINT,
  VERSION_POSITIVE_CONSTRAINT,
} from './schema-names';

/**
 * Creates the ADR-0005 `events` table.
 *
 * Beyond the ADR it adds `position` (global append order) and `transaction_id`
 * (`xid8`): positions come from a non-transactional sequence, so readers of the
 * change feed must only trust rows whose transaction is older than the current
 * snapshot's xmin, ordered by `(transaction_id, position)`.
 */
export class CreateEventsTable1732500000000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CreateEventsTable1732500000000';

  /** Creates the table, its constraints and the ADR indexes. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    // gen_random_uuid() and xid8 are built in since PostgreSQL 13: no extension needed.
    await queryRunner.query(`
      CREATE TABLE "${EVENTS_TABLE}" (
        "id" UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        "aggregate_id" UUID NOT NULL,
        "aggregate_type" VARCHAR(255) NOT NULL,
        "event_type" VARCHAR(255) NOT NULL,
        "version" INTEGER NOT NULL,
        "payload" JSONB NOT NULL,
        "metadata" JSONB NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT NOW(),
        "position" BIGINT GENERATED ALWAYS AS IDENTITY,
        "transaction_id" XID8 NOT NULL DEFAULT pg_current_xact_id(),
        CONSTRAINT "${AGGREGATE_VERSION_CONSTRAINT}" UNIQUE ("aggregate_id", "version"),
        CONSTRAINT "${POSITION_CONSTRAINT}" UNIQUE ("position"),
        CONSTRAINT "${VERSION_POSITIVE_CONSTRAINT}" CHECK ("version" > 0)
      )
    `);
    // The ADR lists this index although the unique constraint already has an identical one;
    // created as the ADR says, then dropped by OneStreamIndex1732500005000 (see there why).
    await queryRunner.query(
      `CREATE INDEX "idx_events_aggregate" ON "${EVENTS_TABLE}" ("aggregate_id", "version")`,
    );
    await queryRunner.query(`CREATE INDEX "idx_events_type" ON "${EVENTS_TABLE}" ("event_type")`);
    await queryRunner.query(
      `CREATE INDEX "idx_events_created_at" ON "${EVENTS_TABLE}" ("created_at")`,
    );
  }

  /** Drops the table; its indexes and constraints go with it. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${EVENTS_TABLE}"`);
  }
}
