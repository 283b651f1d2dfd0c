/**
 * The names of the schema the migrations create, read by the migrations and by the
 * infrastructure that queries it (and by the documentation: the Debezium connector names the
 * publication).
 *
 * They live in one place because the repository recognises an optimistic-concurrency
 * conflict by matching the constraint name of a unique violation (SQLSTATE 23505): a
 * rename in the migration alone would silently turn conflicts into generic errors.
 */

/** Table that holds every event of every aggregate. */
export const EVENTS_TABLE = 'events';

/** Unique constraint on `(aggregate_id, version)`: its violation is a version conflict. */
export const AGGREGATE_VERSION_CONSTRAINT = 'uq_events_aggregate_version';

/** Unique constraint on `position`, the global append order. */
export const POSITION_CONSTRAINT = 'uq_events_position';

/** Check constraint that keeps versions 1-based. */
export const VERSION_POSITIVE_CONSTRAINT = 'ck_events_version_positive';

/** Table of the latest snapshot per aggregate (derived data: rebuilt from events at will). */
export const SNAPSHOTS_TABLE = 'snapshots';

/** Table of asynchronous projections' progress (created by migration 1732500004000). */
export const PROJECTION_CHECKPOINTS_TABLE = 'projection_checkpoints';

/** Publication of the `events` table, inserts only: what pgoutput consumers subscribe to. */
export const EVENTS_PUBLICATION = 'tessera_events';

/** LISTEN/NOTIFY channel that wakes ordered-feed readers. */
export const CHANGE_FEED_CHANNEL = 'tessera_events';

/**
 * The events table's primary key on `id` (PostgreSQL's default name for `id UUID PRIMARY KEY`).
 * Its violation by a save means that save's events are already stored: a retry of a save whose
 * acknowledgement was lost, resolved by the event ids (the implicit command key).
 */
export const EVENT_ID_CONSTRAINT = 'events_pkey';

/**
 * Table of command ids (idempotency keys) that no longer sit on an event row: those written
 * before migration 1732500060000, and those of events the archiver moved. A keyed save checks
 * it for streams that already have events.
 */
export const COMMAND_KEYS_TABLE = 'command_keys';

/** Primary key `(aggregate_id, command_id)` of {@link COMMAND_KEYS_TABLE}. */
export const COMMAND_KEY_CONSTRAINT = 'pk_command_keys';

/**
 * Partial unique index `(aggregate_id, command_id) WHERE command_id IS NOT NULL AND version > 1`
 * on `events`: a keyed save writes its command id on each stream's first event of the save, and
 * a violation of this index is how a replay is recognised (a key on a stream's first event is
 * checked through that row instead; see CommandKeysOnEvents1732500060000).
 */
export const EVENT_COMMAND_KEY_INDEX = 'uq_events_command_key';

/** Check that an event row's three command-key columns are all set or all NULL. */
export const EVENT_COMMAND_KEY_CHECK = 'ck_events_command_key';

/** Table of unique values reserved across aggregates (an e-mail address, an order number). */
export const UNIQUE_VALUES_TABLE = 'unique_values';

/** Primary key `(scope, value)` of {@link UNIQUE_VALUES_TABLE}: its violation is a taken value. */
export const UNIQUE_VALUE_CONSTRAINT = 'pk_unique_values';

/** Table of projection leases: which runner leads each asynchronous projection, until when. */
export const PROJECTION_LEASES_TABLE = 'projection_leases';

/** Table of the data subjects' keys for `@PersonalData` values, wrapped by the master key. */
export const PERSONAL_DATA_KEYS_TABLE = 'personal_data_keys';

/** Primary key `(subject_id)` of {@link PERSONAL_DATA_KEYS_TABLE}: one key per data subject. */
export const PERSONAL_DATA_KEY_CONSTRAINT = 'pk_personal_data_keys';

/** Unique constraint on the key id of {@link PERSONAL_DATA_KEYS_TABLE}, named by stored values. */
export const PERSONAL_DATA_KEY_ID_CONSTRAINT = 'uq_personal_data_keys_key_id';

/**
 * Cold table of archived events: the same columns as `events` plus `archived_at`. Not in the
 * publication, so moving events here is never seen by change-feed consumers as new events.
 */
export const EVENTS_ARCHIVE_TABLE = 'events_archive';

/** Unique constraint on `(aggregate_id, version)` of {@link EVENTS_ARCHIVE_TABLE}. */
export const ARCHIVE_AGGREGATE_VERSION_CONSTRAINT = 'uq_events_archive_aggregate_version';

/** Name of the `index`-th partition of the partitioned events layout (`events_p03`). */
export function eventsPartitionName(index: number): string {
  return `${EVENTS_TABLE}_p${String(index).padStart(2, '0')}`;
}

/**
 * The name a constraint of the partitioned layout has on the `index`-th partition: a violation
 * is reported with the partition's constraint name, so each carries the parent's name and a
 * suffix that {@link isConstraintNamed} recognises.
 */
export function partitionConstraintName(constraint: string, index: number): string {
  return `${constraint}_p${String(index).padStart(2, '0')}`;
}

/** True when `actual` is `constraint` or its name on a partition of the partitioned layout. */
export function isConstraintNamed(actual: unknown, constraint: string): boolean {
  if (actual === constraint) return true;
  return (
    typeof actual === 'string' &&
    actual.startsWith(`${constraint}_p`) &&
    /^\d+$/.test(actual.slice(constraint.length + 2))
  );
}
