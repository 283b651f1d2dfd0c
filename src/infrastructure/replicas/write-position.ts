import type { DataSource } from 'typeorm';

/**
 * The primary's WAL position now: taken after a save has committed, it is at or past that
 * save's commit record, so a replica that has replayed it sees the save
 * ({@link waitForReplay}). The insert position, not the write position: with
 * `synchronous_commit = off` a commit can be inserted before it is written.
 */
export async function writePosition(primary: DataSource): Promise<string> {
  const [{ lsn }] = await primary.query<{ lsn: string }[]>(
    'SELECT pg_current_wal_insert_lsn()::text AS lsn',
  );
  return lsn;
}
