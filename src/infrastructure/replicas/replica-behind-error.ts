import { TesseraError } from '../../domain/errors/tessera-error';

/**
 * A replica had not replayed a given write position within the time allowed: a read there would
 * not have seen that write. Read from the primary, or allow more time.
 */
export class ReplicaBehindError extends TesseraError {
  readonly code = 'TESSERA_REPLICA_BEHIND';

  constructor(
    /** The primary's WAL position the read had to see. */
    readonly lsn: string,
    /** How far the replica had replayed when the wait ended (null: not a replica). */
    readonly replayLsn: string | null,
    readonly waitedMs: number,
  ) {
    super(
      replayLsn === null
        ? `the read replica is not replaying WAL (pg_last_wal_replay_lsn() is null): is it a standby of this primary?`
        : `the read replica had replayed up to ${replayLsn}, not yet ${lsn}, after ${waitedMs} ms: read from the primary, or raise timeoutMs (checkHealth shows the replica's lag)`,
    );
  }
}
