import type { DataSource } from 'typeorm';

/** How far a streaming replica is behind its primary. */
export interface ReplicaLag {
  /** WAL the primary has written that the replica has not replayed yet. */
  readonly bytes: number;
  /**
   * Seconds since the replica replayed the last transaction it received, while it has WAL left
   * to replay; 0 once it has replayed everything it received (an idle primary is no lag).
   */
  readonly seconds: number;
  /** The replica's last replayed position. */
  readonly replayLsn: string | null;
}

/** Measures `replica`'s lag behind `primary`: the primary's WAL position, then the replica's. */
export async function replicaLag(primary: DataSource, replica: DataSource): Promise<ReplicaLag> {
  const [{ lsn }] = await primary.query<{ lsn: string }[]>(
    'SELECT pg_current_wal_lsn()::text AS lsn',
  );
  const [row] = await replica.query<
    { bytes: number | null; seconds: number | null; replay_lsn: string | null }[]
  >(
    `SELECT GREATEST(pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()), 0)::float8 AS bytes,
            CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                 ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
            END::float8 AS seconds,
            pg_last_wal_replay_lsn()::text AS replay_lsn`,
    [lsn],
  );
  return { bytes: row.bytes ?? 0, seconds: row.seconds ?? 0, replayLsn: row.replay_lsn };
}
