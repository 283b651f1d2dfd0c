import { MigrationInterface, QueryRunner } from 'typeorm';
import { EVENTS_TABLE } from './schema-names';

/** The ADR's index on `(aggregate_id, version)`, which this migration drops. */
export const DUPLICATE_STREAM_INDEX = 'idx_events_aggregate';

/**
 * Serves the ADR's `(aggregate_id, version)` index with the unique constraint's own index.
 *
 * ADR-0005 lists both `UNIQUE (aggregate_id, version)` and an index on `(aggregate_id, version)`.
 * PostgreSQL backs the constraint with a unique btree on exactly those columns, so the second
 * index only doubles the work of every append (each row entered into two identical btrees) and
 * the disk it takes; every query Tessera runs reads through the constraint's index. The benchmark
 * measured the difference (`bench/RESULTS.md`, "Cost of the duplicate index"); `down` restores
 * the ADR's index for anyone who wants the schema exactly as written there.
 *
 * `DROP INDEX` takes a brief exclusive lock on `events`; on a large, busy table run
 * `DROP INDEX CONCURRENTLY idx_events_aggregate` by hand first (this migration then does
 * nothing).
 */
export class OneStreamIndex1732500005000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'OneStreamIndex1732500005000';

  /** Drops the duplicate index. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "${DUPLICATE_STREAM_INDEX}"`);
  }

  /** Re-creates it as the ADR lists it. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "${DUPLICATE_STREAM_INDEX}" ON "${EVENTS_TABLE}" ("aggregate_id", "version")`,
    );
  }
}
