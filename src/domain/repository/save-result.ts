import type { SavedStream } from '../errors/outcome-unknown-error';

export type { SavedStream } from '../errors/outcome-unknown-error';

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
