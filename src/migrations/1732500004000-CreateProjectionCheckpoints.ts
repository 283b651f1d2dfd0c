import { MigrationInterface, QueryRunner } from 'typeorm';
import { EVENTS_TABLE, PROJECTION_CHECKPOINTS_TABLE } from './schema-names';
import { WRITER_ROLE } from './1732500002000-AppendOnlyEvents';

/** Index that serves the ordered change feed. */
export const FEED_ORDER_INDEX = 'idx_events_transaction_position';

/**
 * Creates `projection_checkpoints`, the progress of asynchronous projections, and the index the
 * ordered change feed reads through.
 *
 * A checkpoint is the feed's `(transaction_id, position)` pair and, for projections fed by logical
 * replication, the end LSN of the last applied transaction. It is written in the same transaction
 * as the read model, which is what makes each event's effect happen exactly once.
 *
 * The feed reads `WHERE (transaction_id, position) > $checkpoint ORDER BY transaction_id,
 * position LIMIT n`: without an index on that pair every read sorts the whole table.
 */
export class CreateProjectionCheckpoints1732500004000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CreateProjectionCheckpoints1732500004000';

  /** Creates the table (granted to `tessera_writer` when it exists) and the feed index. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "${PROJECTION_CHECKPOINTS_TABLE}" (
        "name" VARCHAR(48) PRIMARY KEY,
        "transaction_id" XID8 NOT NULL DEFAULT '0',
        "position" BIGINT NOT NULL DEFAULT 0,
        "lsn" PG_LSN NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT NOW()
      )
    `);
    await queryRunner.query(
      `CREATE INDEX "${FEED_ORDER_INDEX}" ON "${EVENTS_TABLE}" ("transaction_id", "position")`,
    );
    // Projection runners run as the application's role.
    await queryRunner.query(`
      DO $do$
      BEGIN
        IF to_regrole('${WRITER_ROLE}') IS NOT NULL THEN
          GRANT SELECT, INSERT, UPDATE ON TABLE "${PROJECTION_CHECKPOINTS_TABLE}" TO "${WRITER_ROLE}";
        END IF;
      END
      $do$
    `);
  }

  /** Drops the index and the table. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "${FEED_ORDER_INDEX}"`);
    await queryRunner.query(`DROP TABLE "${PROJECTION_CHECKPOINTS_TABLE}"`);
  }
}
