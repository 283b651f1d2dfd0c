import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  PERSONAL_DATA_KEY_CONSTRAINT,
  PERSONAL_DATA_KEY_ID_CONSTRAINT,
  PERSONAL_DATA_KEYS_TABLE,
} from './schema-names';

/**
 * Creates `personal_data_keys`: one data key per data subject, wrapped by the master key, that
 * encrypts the subject's `@PersonalData` values in events. Forgetting a subject deletes its row;
 * the events stay as they are. Not part of the events publication: the keys never reach the
 * logical replication feed.
 */
export class CreatePersonalDataKeys1732500040000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CreatePersonalDataKeys1732500040000';

  /** Creates the table. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "${PERSONAL_DATA_KEYS_TABLE}" (
        "subject_id" VARCHAR(255) NOT NULL,
        "key_id" UUID NOT NULL,
        "wrapped_key" BYTEA NOT NULL,
        "master_key_id" VARCHAR(255) NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT NOW(),
        CONSTRAINT "${PERSONAL_DATA_KEY_CONSTRAINT}" PRIMARY KEY ("subject_id"),
        CONSTRAINT "${PERSONAL_DATA_KEY_ID_CONSTRAINT}" UNIQUE ("key_id")
      )
    `);
  }

  /** Drops the table. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${PERSONAL_DATA_KEYS_TABLE}"`);
  }
}
