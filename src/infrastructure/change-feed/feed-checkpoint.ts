/**
 * A position in the ordered change feed: the `(transaction_id, position)` of the last event
 * delivered. Both are decimal strings, because xid8 and bigint exceed JavaScript's safe integers.
 * Persist it as is and pass it back to resume right after that event.
 */
export interface FeedCheckpoint {
  /** `transaction_id` (xid8) of the last delivered event, as text. */
  readonly transactionId: string;
  /** `position` (bigint) of the last delivered event, as text. */
  readonly position: string;
}

/** The checkpoint before the first event: reading from it delivers the whole history. */
export const FEED_START: FeedCheckpoint = Object.freeze({ transactionId: '0', position: '0' });

const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;

/** Throws a TypeError unless both parts are unsigned decimal integers. */
export function assertFeedCheckpoint(checkpoint: FeedCheckpoint): void {
  if (
    typeof checkpoint !== 'object' ||
    checkpoint === null ||
    !DECIMAL.test(String(checkpoint.transactionId)) ||
    !DECIMAL.test(String(checkpoint.position))
  ) {
    throw new TypeError(
      `invalid feed checkpoint ${JSON.stringify(checkpoint)}: expected { transactionId, position } as decimal strings`,
    );
  }
}

/** Orders checkpoints as the feed does: by transaction id, then position. */
export function compareFeedCheckpoints(a: FeedCheckpoint, b: FeedCheckpoint): number {
  const tx = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (tx !== 0n) return tx < 0n ? -1 : 1;
  const pos = BigInt(a.position) - BigInt(b.position);
  return pos === 0n ? 0 : pos < 0n ? -1 : 1;
}
