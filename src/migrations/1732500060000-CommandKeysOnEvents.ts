import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  COMMAND_KEYS_TABLE,
  EVENT_COMMAND_KEY_CHECK,
  EVENT_COMMAND_KEY_INDEX,
  EVENTS_ARCHIVE_TABLE,
  EVENTS_TABLE,
  partitionConstraintName,
} from './schema-names';
import { MAINTAINER_ROLE, WRITER_ROLE } from './1732500002000-AppendOnlyEvents';

/** The three command-key columns, as `events` and `events_archive` carry them. */
const KEY_COLUMNS =
  'ADD COLUMN "command_id" VARCHAR(255), ADD COLUMN "command_fingerprint" VARCHAR(64), ' +
  'ADD COLUMN "command_last_version" INTEGER';

const KEY_CHECK =
  '(("command_id" IS NULL) = ("command_fingerprint" IS NULL) AND ' +
  '("command_id" IS NULL) = ("command_last_version" IS NULL))';

const KEY_INDEX = '("aggregate_id", "command_id") WHERE "command_id" IS NOT NULL AND "version" > 1';

/**
 * Moves the command key of a keyed save onto its events: `events` gains `command_id`,
 * `command_fingerprint` and `command_last_version`, set on each stream's first event of the
 * save (NULL on every other row), so a keyed save no longer writes a second table: a
 * `command_keys` row cost an append about as much again as its event's own index entries
 * (bench/RESULTS-idempotency.md).
 *
 * Keys stay unique per aggregate. A key on a later row (`version > 1`) is in the partial unique
 * index `uq_events_command_key` on `(aggregate_id, command_id)`, whose violation is a replay. A
 * key on a stream's first event needs no index entry: `UNIQUE (aggregate_id, version)` already
 * allows one such row per aggregate, and a keyed save to a stream that has events checks that
 * row, so creating a stream with a key costs no more index work than without one.
 *
 * `command_keys` stays, for the keys that are not on an event row: those stored before this
 * migration, and those of events the archiver moves to `events_archive` (it copies their keys
 * there in the same transaction). A keyed save to a stream that has events checks it too, so
 * keys still never expire. The archive carries the same three columns.
 *
 * Adding the columns rewrites nothing (they are NULL); building the index reads the whole
 * table once, during which appends wait. On a table already hash-partitioned by
 * `EventsPartitioner`, each partition gets its own index named with the partition's `_pNN`
 * suffix, attached to the parent's, so a violation names the index the repository recognises.
 */
export class CommandKeysOnEvents1732500060000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CommandKeysOnEvents1732500060000';

  /** Adds the columns, their check and the partial unique index; grants `command_keys`. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${EVENTS_TABLE}" ${KEY_COLUMNS}`);
    await queryRunner.query(`ALTER TABLE "${EVENTS_ARCHIVE_TABLE}" ${KEY_COLUMNS}`);
    await queryRunner.query(
      `ALTER TABLE "${EVENTS_TABLE}" ADD CONSTRAINT "${EVENT_COMMAND_KEY_CHECK}" CHECK ${KEY_CHECK}`,
    );
    const partitions = await leafPartitions(queryRunner);
    if (partitions.length === 0) {
      await queryRunner.query(
        `CREATE UNIQUE INDEX "${EVENT_COMMAND_KEY_INDEX}" ON "${EVENTS_TABLE}" ${KEY_INDEX}`,
      );
    } else {
      await queryRunner.query(
        `CREATE UNIQUE INDEX "${EVENT_COMMAND_KEY_INDEX}" ON ONLY "${EVENTS_TABLE}" ${KEY_INDEX}`,
      );
      for (const partition of partitions) {
        const name = partitionIndexName(partition);
        await queryRunner.query(`CREATE UNIQUE INDEX "${name}" ON "${partition}" ${KEY_INDEX}`);
        await queryRunner.query(
          `ALTER INDEX "${EVENT_COMMAND_KEY_INDEX}" ATTACH PARTITION "${name}"`,
        );
      }
    }
    // The application reads command_keys (a keyed save checks it); the archiver writes to it.
    await queryRunner.query(grant(WRITER_ROLE, 'SELECT'));
    await queryRunner.query(grant(MAINTAINER_ROLE, 'SELECT, INSERT'));
  }

  /**
   * Copies every key on an event row (hot or archived) into `command_keys`, then drops the
   * index, the check and the columns: reverting keeps every stored key.
   */
  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [EVENTS_TABLE, EVENTS_ARCHIVE_TABLE]) {
      await queryRunner.query(
        `INSERT INTO "${COMMAND_KEYS_TABLE}" (aggregate_id, command_id, fingerprint, first_version, ` +
          'last_version, created_at) SELECT aggregate_id, command_id, command_fingerprint, ' +
          `version, command_last_version, created_at FROM "${table}" WHERE command_id IS NOT NULL ` +
          'ON CONFLICT (aggregate_id, command_id) DO NOTHING',
      );
    }
    await queryRunner.query(`DROP INDEX "${EVENT_COMMAND_KEY_INDEX}"`);
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

/** The leaf partitions of `events`, none when it is a plain table. */
async function leafPartitions(queryRunner: QueryRunner): Promise<string[]> {
  const rows = (await queryRunner.query(
    'SELECT c.relname AS name FROM pg_partition_tree(to_regclass($1)) t ' +
      'JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf AND t.level > 0 ORDER BY c.relname',
    [`"${EVENTS_TABLE}"`],
  )) as { name: string }[];
  return rows.map((r) => r.name);
}

/** `uq_events_command_key_p03` for `events_p03`: the names `isConstraintNamed` recognises. */
function partitionIndexName(partition: string): string {
  const match = new RegExp(`^${EVENTS_TABLE}_p(\\d{2})$`).exec(partition);
  if (!match) {
    throw new Error(
      `partition "${partition}" of ${EVENTS_TABLE} is not one EventsPartitioner created ` +
        `(${EVENTS_TABLE}_pNN): create its command-key index by hand, named ` +
        `${EVENT_COMMAND_KEY_INDEX}_pNN`,
    );
  }
  return partitionConstraintName(EVENT_COMMAND_KEY_INDEX, Number(match[1]));
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
