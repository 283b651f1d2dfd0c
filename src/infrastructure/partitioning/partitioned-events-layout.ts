import {
  AGGREGATE_VERSION_CONSTRAINT,
  EVENT_COMMAND_KEY_CHECK,
  EVENT_COMMAND_KEY_INDEX,
  EVENT_ID_CONSTRAINT,
  eventsPartitionName,
  partitionConstraintName,
  VERSION_POSITIVE_CONSTRAINT,
} from '../../migrations/schema-names';

/** The table the partitioned layout is built in before it takes the name `events`. */
export const STAGING_TABLE = 'events_partitioned';
/** Its position sequence (the plain table's identity sequence dies with that table). */
export const STAGING_SEQUENCE = 'events_partitioned_position_seq';
/** The name the plain table keeps after the switch, until the operator drops it. */
export const RETIRED_TABLE = 'events_unpartitioned';

/** Every column of `events`, in the order the copy writes them. */
export const EVENT_COLUMNS =
  'id, aggregate_id, aggregate_type, event_type, version, payload, metadata, created_at, position, ' +
  'transaction_id, command_id, command_fingerprint, command_last_version';

/** The parent's constraints: built under a staging name, renamed at the switch. */
export const PARENT_CONSTRAINTS = [
  { name: EVENT_ID_CONSTRAINT, definition: 'PRIMARY KEY (id, aggregate_id)' },
  { name: AGGREGATE_VERSION_CONSTRAINT, definition: 'UNIQUE (aggregate_id, version)' },
] as const;

/** The parent's plain indexes (the plain table's, except the unique one on `position`). */
export const PARENT_INDEXES = [
  { name: 'idx_events_type', columns: 'event_type' },
  { name: 'idx_events_created_at', columns: 'created_at' },
  { name: 'idx_events_transaction_position', columns: 'transaction_id, position' },
  { name: 'idx_events_position', columns: 'position' },
] as const;

/** The partial unique index of command keys (see CommandKeysOnEvents1732500060000). */
export const COMMAND_KEY_INDEX = {
  name: EVENT_COMMAND_KEY_INDEX,
  definition: '(aggregate_id, command_id) WHERE command_id IS NOT NULL AND version > 1',
} as const;

/** The staging name of a parent constraint or index. */
export function stagingName(name: string): string {
  return `${name}_staging`;
}

/**
 * The statements that create the hash-partitioned layout under {@link STAGING_TABLE}.
 *
 * Hash partitions by `aggregate_id`: a stream lives in one partition, so every unique constraint
 * keeps `aggregate_id` and `UNIQUE (aggregate_id, version)` still decides every conflict, and a
 * load or the append's gap guard touches one partition. The primary key becomes `(id,
 * aggregate_id)`: PostgreSQL requires the partition key in it, and `id` leads so a lookup by
 * event id (a save's replay check) is an index probe per partition. `position` keeps its values
 * but is no longer unique by constraint (a sequence still hands out each value once).
 *
 * Each partition's own constraints are created first, named after the parent's with a `_pNN`
 * suffix (a violation reports the partition's name; `isConstraintNamed` matches both), and the
 * parent's then adopt them.
 */
export function partitionedLayoutStatements(partitions: number): string[] {
  const statements = [
    `CREATE SEQUENCE "${STAGING_SEQUENCE}" AS bigint`,
    `CREATE TABLE "${STAGING_TABLE}" (
       "id" UUID NOT NULL DEFAULT gen_random_uuid(),
       "aggregate_id" UUID NOT NULL,
       "aggregate_type" VARCHAR(255) NOT NULL,
       "event_type" VARCHAR(255) NOT NULL,
       "version" INTEGER NOT NULL,
       "payload" JSONB NOT NULL,
       "metadata" JSONB NOT NULL,
       "created_at" TIMESTAMPTZ NOT NULL DEFAULT NOW(),
       "position" BIGINT NOT NULL DEFAULT nextval('"${STAGING_SEQUENCE}"'),
       "transaction_id" XID8 NOT NULL DEFAULT pg_current_xact_id(),
       "command_id" VARCHAR(255),
       "command_fingerprint" VARCHAR(64),
       "command_last_version" INTEGER,
       CONSTRAINT "${stagingName(VERSION_POSITIVE_CONSTRAINT)}" CHECK ("version" > 0),
       CONSTRAINT "${EVENT_COMMAND_KEY_CHECK}" CHECK (("command_id" IS NULL) = ("command_fingerprint" IS NULL)
         AND ("command_id" IS NULL) = ("command_last_version" IS NULL))
     ) PARTITION BY HASH ("aggregate_id")`,
  ];
  for (let i = 0; i < partitions; i++) {
    const partition = eventsPartitionName(i);
    statements.push(
      `CREATE TABLE "${partition}" PARTITION OF "${STAGING_TABLE}" ` +
        `FOR VALUES WITH (MODULUS ${partitions}, REMAINDER ${i})`,
    );
    for (const c of PARENT_CONSTRAINTS) {
      statements.push(
        `ALTER TABLE "${partition}" ADD CONSTRAINT "${partitionConstraintName(c.name, i)}" ${c.definition}`,
      );
    }
    statements.push(
      `CREATE UNIQUE INDEX "${partitionConstraintName(COMMAND_KEY_INDEX.name, i)}" ON "${partition}" ` +
        COMMAND_KEY_INDEX.definition,
    );
  }
  for (const c of PARENT_CONSTRAINTS) {
    statements.push(
      `ALTER TABLE "${STAGING_TABLE}" ADD CONSTRAINT "${stagingName(c.name)}" ${c.definition}`,
    );
  }
  // The parent's index adopts the partitions' equivalent ones rather than building its own.
  statements.push(
    `CREATE UNIQUE INDEX "${stagingName(COMMAND_KEY_INDEX.name)}" ON "${STAGING_TABLE}" ` +
      COMMAND_KEY_INDEX.definition,
  );
  for (const index of PARENT_INDEXES) {
    statements.push(
      `CREATE INDEX "${stagingName(index.name)}" ON "${STAGING_TABLE}" (${index.columns})`,
    );
  }
  return statements;
}
