import { MigrationInterface, QueryRunner } from 'typeorm';
import { EVENT_COMMAND_KEY_INDEX, EVENTS_TABLE, partitionConstraintName } from './schema-names';

const KEY_INDEX = '("aggregate_id", "command_id") WHERE "command_id" IS NOT NULL AND "version" > 1';

/**
 * The unique index of the command keys `CommandKeysOnEvents1732500060000` put on event rows:
 * `uq_events_command_key` on `(aggregate_id, command_id) WHERE command_id IS NOT NULL AND
 * version > 1`, whose violation is how a retried save is recognised.
 *
 * A key on a stream's first event (a save that creates its stream) needs no entry, so creating
 * streams with a key costs no more index work than without: `UNIQUE (aggregate_id, version)`
 * admits one version 1 per aggregate, and a keyed save to a stream that has events looks for its
 * key on that row (in the same statement) before it writes.
 *
 * Its own migration, so that with TypeORM's `migrationsTransactionMode: 'each'` (what
 * `createTesseraDataSource` sets) the previous one's short exclusive lock is released before the
 * build: building reads the whole table once, during which appends wait and reads go on. On a
 * table already hash-partitioned by `EventsPartitioner`, each partition gets its own index named
 * with the partition's `_pNN` suffix, attached to the parent's, so a violation names the index
 * the repository recognises.
 */
export class CommandKeyIndex1732500061000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CommandKeyIndex1732500061000';

  /** Builds the index (one per partition on the partitioned layout). */
  public async up(queryRunner: QueryRunner): Promise<void> {
    const partitions = await leafPartitions(queryRunner);
    if (partitions.length === 0) {
      await queryRunner.query(
        `CREATE UNIQUE INDEX "${EVENT_COMMAND_KEY_INDEX}" ON "${EVENTS_TABLE}" ${KEY_INDEX}`,
      );
      return;
    }
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

  /** Drops the index (and its partitions'). */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "${EVENT_COMMAND_KEY_INDEX}"`);
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
