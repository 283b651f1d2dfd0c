import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  COMMAND_KEYS_TABLE,
  EVENT_COMMAND_KEY_CHECK,
  EVENTS_ARCHIVE_TABLE,
  EVENTS_TABLE,
} from './schema-names';
import {
  EVENT_MUTATION_SETTING,
  MAINTAINER_ROLE,
  WRITER_ROLE,
} from './1732500002000-AppendOnlyEvents';

/** The three command-key columns, as `events` and `events_archive` carry them. */
const KEY_COLUMNS =
  'ADD COLUMN "command_id" VARCHAR(255), ADD COLUMN "command_fingerprint" VARCHAR(64), ' +
  'ADD COLUMN "command_last_version" INTEGER';

const KEY_CHECK =
  '(("command_id" IS NULL) = ("command_fingerprint" IS NULL) AND ' +
  '("command_id" IS NULL) = ("command_last_version" IS NULL))';

/** SQLSTATE of an INSERT into `command_keys` by a release from before this migration. */
export const LEGACY_COMMAND_KEY_WRITE = 'TS002';

const GUARD_FUNCTION = 'tessera_refuse_command_key_insert';
const GUARD_TRIGGER = 'trg_command_keys_insert_guard';
/** The partitioning run's staging table (see partitioned-events-layout.ts). */
const PARTITIONING_STAGING_TABLE = 'events_partitioned';

/**
 * Moves the command key of a keyed save onto its events: `events` gains `command_id`,
 * `command_fingerprint` and `command_last_version`, set on each stream's first event of the
 * save (NULL on every other row), so a keyed save no longer writes a second table: a
 * `command_keys` row cost an append about as much again as its event's own index entries
 * (bench/RESULTS-idempotency.md). `CommandKeyIndex1732500061000` adds their unique index.
 *
 * `command_keys` stays, for the keys that are not on an event row: those stored before this
 * migration, and those of events the archiver moves to `events_archive` (it copies their keys
 * there in the same transaction). A keyed save to a stream that has events checks it, so keys
 * still never expire. The archive carries the same three columns.
 *
 * A release from before this migration still writes its keys into `command_keys` only, where
 * the new release's index does not see them, and would not see the new release's keys: during a
 * rolling deploy a retry landing on an old instance would be written twice. So from here on
 * `command_keys` refuses INSERTs (SQLSTATE TS002) except through the maintainers' hatch the
 * archiver uses (`tessera.allow_event_mutation`): an old instance's keyed save fails whole,
 * nothing written, instead of writing a second copy.
 *
 * Quick on a large table: the columns are NULL (no rewrite) and the check is added NOT VALID
 * (every existing row has no key; new rows are checked). A partitioning run in progress (its
 * staging table exists) is refused: its copy would not carry the columns.
 */
export class CommandKeysOnEvents1732500060000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CommandKeysOnEvents1732500060000';

  /** Adds the columns and their check, guards `command_keys`, grants it. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    const [{ staging }] = (await queryRunner.query(
      'SELECT to_regclass($1) IS NOT NULL AS staging',
      [`"${PARTITIONING_STAGING_TABLE}"`],
    )) as { staging: boolean }[];
    if (staging) {
      throw new Error(
        `${PARTITIONING_STAGING_TABLE} exists: a move to the partitioned layout is in progress. ` +
          'Finish it (tessera partition) with the release that started it, or drop ' +
          `${PARTITIONING_STAGING_TABLE} and its sequence, then run this migration`,
      );
    }
    await queryRunner.query(`ALTER TABLE "${EVENTS_TABLE}" ${KEY_COLUMNS}`);
    await queryRunner.query(`ALTER TABLE "${EVENTS_ARCHIVE_TABLE}" ${KEY_COLUMNS}`);
    await queryRunner.query(
      `ALTER TABLE "${EVENTS_TABLE}" ADD CONSTRAINT "${EVENT_COMMAND_KEY_CHECK}" ` +
        `CHECK ${KEY_CHECK} NOT VALID`,
    );
    await queryRunner.query(`
      CREATE FUNCTION "${GUARD_FUNCTION}"() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF pg_catalog.current_setting('${EVENT_MUTATION_SETTING}', true) OPERATOR(pg_catalog.=) 'on' THEN
          RETURN NULL;
        END IF;
        RAISE EXCEPTION 'command keys are written on events since migration CommandKeysOnEvents1732500060000: this INSERT into %.% comes from an older release of Tessera, refused so that its save is not written twice', TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = '${LEGACY_COMMAND_KEY_WRITE}',
                HINT = 'Run every application instance and archiver on the release that ran this migration.';
      END
      $fn$
    `);
    await queryRunner.query(
      `CREATE TRIGGER "${GUARD_TRIGGER}" BEFORE INSERT ON "${COMMAND_KEYS_TABLE}" ` +
        `FOR EACH STATEMENT EXECUTE FUNCTION "${GUARD_FUNCTION}"()`,
    );
    // The application reads command_keys (a keyed save checks it); the archiver writes to it.
    await queryRunner.query(grant(WRITER_ROLE, 'SELECT'));
    await queryRunner.query(grant(MAINTAINER_ROLE, 'SELECT, INSERT'));
  }

  /**
   * Copies every key on an event row (hot or archived) into `command_keys`, then drops the
   * guard, the check and the columns: reverting keeps every stored key.
   */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "${GUARD_TRIGGER}" ON "${COMMAND_KEYS_TABLE}"`);
    await queryRunner.query(`DROP FUNCTION "${GUARD_FUNCTION}"()`);
    for (const table of [EVENTS_TABLE, EVENTS_ARCHIVE_TABLE]) {
      await queryRunner.query(
        `INSERT INTO "${COMMAND_KEYS_TABLE}" (aggregate_id, command_id, fingerprint, first_version, ` +
          'last_version, created_at) SELECT aggregate_id, command_id, command_fingerprint, ' +
          `version, command_last_version, created_at FROM "${table}" WHERE command_id IS NOT NULL ` +
          'ON CONFLICT (aggregate_id, command_id) DO NOTHING',
      );
    }
    await queryRunner.query(
      `ALTER TABLE "${EVENTS_TABLE}" DROP CONSTRAINT "${EVENT_COMMAND_KEY_CHECK}"`,
    );
    for (const table of [EVENTS_TABLE, EVENTS_ARCHIVE_TABLE]) {
      await queryRunner.query(
        `ALTER TABLE "${table}" DROP COLUMN "command_id", DROP COLUMN "command_fingerprint", ` +
          'DROP COLUMN "command_last_version"',
      );
    }
  }
}

function grant(role: string, privileges: string): string {
  return `
    DO $do$
    BEGIN
      IF to_regrole('${role}') IS NOT NULL THEN
        GRANT ${privileges} ON TABLE "${COMMAND_KEYS_TABLE}" TO "${role}";
      END IF;
    END
    $do$
  `;
}
