import { MigrationInterface, QueryRunner } from 'typeorm';
import { COMMAND_KEY_CONSTRAINT, COMMAND_KEYS_TABLE } from './schema-names';

/**
 * Creates `command_keys`: the command id (idempotency key) a save carried, per aggregate, with a
 * fingerprint of the events it wrote and their versions. A save writes its key row in the same
 * statement as its events, so a key is stored exactly when its events are; a second save with a
 * stored key is a replay (answered from this row, nothing written) or, with other events, a reuse.
 *
 * Keys never expire: nothing deletes them. A deployment that wants a retention deletes old rows
 * itself (`DELETE FROM command_keys WHERE created_at < ...`), knowing that a retry older than
 * that is then written again.
 */
export class CreateCommandKeys1732500006000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CreateCommandKeys1732500006000';

  /** Creates the table. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "${COMMAND_KEYS_TABLE}" (
        "aggregate_id" UUID NOT NULL,
        "command_id" VARCHAR(255) NOT NULL,
        "fingerprint" VARCHAR(64) NOT NULL,
        "first_version" INTEGER NOT NULL,
        "last_version" INTEGER NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT NOW(),
        CONSTRAINT "${COMMAND_KEY_CONSTRAINT}" PRIMARY KEY ("aggregate_id", "command_id")
      )
    `);
  }

  /** Drops the table. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${COMMAND_KEYS_TABLE}"`);
  }
}
