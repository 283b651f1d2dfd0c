import type { AppendBatch } from './append-batch';

/** One aggregate of a save and the versions its events have. */
export interface SavedStream {
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly firstVersion: number;
  readonly lastVersion: number;
}

/**
 * What a save did. `replayed` is true when its command id (or, for the same instance retried,
 * its event ids) was already stored: nothing was written, and `streams` gives the versions the
 * first save wrote.
 */
export interface SaveResult {
  readonly replayed: boolean;
  /** Per aggregate with events, sorted by id; empty when there was nothing to save. */
  readonly streams: readonly SavedStream[];
}

/** The result of a save that wrote nothing because nothing was uncommitted. */
export const NOTHING_SAVED: SaveResult = { replayed: false, streams: [] };

/** The streams a batch writes, with the versions it attempts. */
export function attemptedStreams(batch: AppendBatch): readonly SavedStream[] {
  return batch.streams.map((s) => ({
    aggregateId: s.aggregate.id,
    aggregateType: s.aggregateType,
    firstVersion: s.expectedVersion + 1,
    lastVersion: s.expectedVersion + s.rows.length,
  }));
}
