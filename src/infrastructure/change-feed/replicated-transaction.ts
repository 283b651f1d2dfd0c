import type { FeedEvent } from './feed-event';

/** One committed transaction's events, as logical replication delivers them. */
export interface ReplicatedTransaction {
  /** The 32-bit transaction id pgoutput reports (the low half of the rows' `transactionId`). */
  readonly xid: number;
  /** LSN of the commit record. */
  readonly commitLsn: string;
  /** LSN just past the commit record: the consumer acknowledges this once the batch is handled. */
  readonly commitEndLsn: string;
  readonly commitTime: Date;
  /** The transaction's inserts into the events table, in insert order. */
  readonly events: readonly FeedEvent[];
}
