import { ReplicationSlotInUseError } from './replication-slot-in-use-error';
import { ReplicationSlotInvalidatedError } from './replication-slot-invalidated-error';

/** The subset of a node-postgres client or pool the slot helpers use. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A logical replication slot's state, with how far its consumer is behind. */
export interface ReplicationSlotStatus {
  readonly slotName: string;
  /** Output plugin, `pgoutput` for Tessera's consumer and Debezium. */
  readonly plugin: string;
  /** A consumer is connected right now. */
  readonly active: boolean;
  /** Last position the consumer acknowledged: streaming resumes after it. */
  readonly confirmedFlushLsn: string | null;
  /** Bytes of WAL written since the acknowledged position: the consumer's lag. */
  readonly lagBytes: number;
  /** Bytes of WAL the slot keeps on disk (from its restart position): what a stalled consumer costs. */
  readonly retainedBytes: number;
  /** `reserved`, `extended`, `unreserved` or `lost` (max_slot_wal_keep_size exceeded). */
  readonly walStatus: string | null;
}

const SLOT_NAME = /^[a-z0-9_]{1,63}$/;

/** Throws a TypeError unless `name` is a valid replication slot name. */
export function assertSlotName(name: string): void {
  if (typeof name !== 'string' || !SLOT_NAME.test(name)) {
    throw new TypeError(
      `replication slot name ${JSON.stringify(name)} is invalid: use 1-63 lower-case letters, digits or '_'`,
    );
  }
}

const SELECT_SLOT = `
  SELECT slot_name, plugin, active, confirmed_flush_lsn::text AS confirmed_flush_lsn,
         COALESCE(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), confirmed_flush_lsn), 0)::float8 AS lag_bytes,
         COALESCE(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), restart_lsn), 0)::float8 AS retained_bytes,
         wal_status
    FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()`;

/** The slot's status, or null when it does not exist in the current database. */
export async function replicationSlotStatus(
  db: PgQueryable,
  slotName: string,
): Promise<ReplicationSlotStatus | null> {
  assertSlotName(slotName);
  const { rows } = await db.query(SELECT_SLOT, [slotName]);
  const row = rows[0] as
    | {
        slot_name: string;
        plugin: string;
        active: boolean;
        confirmed_flush_lsn: string | null;
        lag_bytes: number;
        retained_bytes: number;
        wal_status: string | null;
      }
    | undefined;
  if (!row) return null;
  return {
    slotName: row.slot_name,
    plugin: row.plugin,
    active: row.active,
    confirmedFlushLsn: row.confirmed_flush_lsn,
    lagBytes: row.lag_bytes,
    retainedBytes: row.retained_bytes,
    walStatus: row.wal_status,
  };
}

/**
 * Creates a pgoutput slot unless it exists; returns true when this call created it. The slot
 * keeps every change committed from now on until a consumer acknowledges it.
 *
 * @throws ReplicationSlotInvalidatedError when the slot exists but PostgreSQL invalidated it:
 *   returning false would let a consumer start on a slot that can no longer stream.
 */
export async function createReplicationSlot(db: PgQueryable, slotName: string): Promise<boolean> {
  const existing = await replicationSlotStatus(db, slotName);
  if (existing?.walStatus === 'lost') {
    throw new ReplicationSlotInvalidatedError(
      slotName,
      `wal_status is lost: the WAL it needed was removed (max_slot_wal_keep_size)`,
    );
  }
  if (existing) return false;
  try {
    await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slotName]);
    return true;
  } catch (error) {
    // Another process created it between our check and our call.
    if ((error as { code?: string }).code === '42710') return false;
    throw error;
  }
}

/**
 * Replaces an invalidated slot with a new one that streams from now on; returns true when it
 * did, false when the slot was not invalidated (then nothing is changed). Whatever was committed
 * between the old slot's last acknowledgement and now must be read from the events table
 * (docs/operations.md).
 */
export async function recreateInvalidatedSlot(
  db: PgQueryable,
  slotName: string,
  timeoutMs = 10_000,
): Promise<boolean> {
  const existing = await replicationSlotStatus(db, slotName);
  if (existing?.walStatus !== 'lost') return false;
  await dropReplicationSlot(db, slotName, timeoutMs);
  await createReplicationSlot(db, slotName);
  return true;
}

/**
 * Drops the slot, waiting (up to `timeoutMs`) for its consumer's connection to let go of it.
 * A slot left behind keeps WAL forever: drop the slot of a consumer you retire.
 */
export async function dropReplicationSlot(
  db: PgQueryable,
  slotName: string,
  timeoutMs = 10_000,
): Promise<void> {
  assertSlotName(slotName);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await replicationSlotStatus(db, slotName);
    if (!status) return;
    if (!status.active) {
      try {
        await db.query('SELECT pg_drop_replication_slot($1)', [slotName]);
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === '42704') return; // dropped meanwhile
        if (code !== '55006') throw error; // 55006: became active again; retry until the deadline
      }
    }
    if (Date.now() > deadline) {
      throw new ReplicationSlotInUseError(slotName, timeoutMs);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
