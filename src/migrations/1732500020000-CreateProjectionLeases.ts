import { MigrationInterface, QueryRunner } from 'typeorm';
import { PROJECTION_LEASES_TABLE } from './schema-names';
import { WRITER_ROLE } from './1732500002000-AppendOnlyEvents';

/**
 * Creates `projection_leases`: one row per asynchronous projection naming the runner that leads
 * it, the lease's fencing number (raised on every change of leader) and its expiry. A session
 * advisory lock cannot lead behind a transaction-mode pooler (the lock stays on whichever server
 * session ran it); a row with an expiry can.
 */
export class CreateProjectionLeases1732500020000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CreateProjectionLeases1732500020000';

  /** Creates the table (granted to `tessera_writer` when it exists). */
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "${PROJECTION_LEASES_TABLE}" (
        "name" VARCHAR(48) PRIMARY KEY,
        "holder" UUID NOT NULL,
        "fence" BIGINT NOT NULL,
        "expires_at" TIMESTAMPTZ NOT NULL
      )
    `);
    await queryRunner.query(`
      DO $do$
      BEGIN
        IF to_regrole('${WRITER_ROLE}') IS NOT NULL THEN
          GRANT SELECT, INSERT, UPDATE ON TABLE "${PROJECTION_LEASES_TABLE}" TO "${WRITER_ROLE}";
        END IF;
      END
      $do$
    `);
  }

  /** Drops the table. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${PROJECTION_LEASES_TABLE}"`);
  }
}
