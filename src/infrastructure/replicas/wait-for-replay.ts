import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { ReplicaBehindError } from './replica-behind-error';

/** Options of {@link waitForReplay}. */
export interface WaitForReplayOptions {
  /** Longest wait. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Pause between two looks at the replica. Default 5 ms. */
  readonly pollMs?: number;
}

/**
 * Read-your-writes on a replica: resolves once `replica` has replayed the primary's WAL up to
 * `lsn` (from {@link writePosition}, taken after your save), so a query on the replica from then
 * on sees that save.
 *
 * @throws ReplicaBehindError when it has not within `timeoutMs`.
 *
 * @example
 * ```ts
 * await repository.save(account);
 * const lsn = await writePosition(primary);
 * await waitForReplay(replica, lsn, { timeoutMs: 2000 });
 * const events = await replicaRepository.readStream(account.id); // includes the save
 * ```
 */
export async function waitForReplay(
  replica: DataSource,
  lsn: string,
  options: WaitForReplayOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const pollMs = options.pollMs ?? 5;
  const started = Date.now();
  for (;;) {
    const [row] = await replica.query<{ replayed: boolean | null; replay_lsn: string | null }[]>(
      'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed, pg_last_wal_replay_lsn()::text AS replay_lsn',
      [lsn],
    );
    if (row.replayed === true) return;
    const waited = Date.now() - started;
    if (row.replay_lsn === null || waited >= timeoutMs) {
      throw new ReplicaBehindError(lsn, row.replay_lsn, waited);
    }
    await sleep(Math.min(pollMs, timeoutMs - waited));
  }
}
