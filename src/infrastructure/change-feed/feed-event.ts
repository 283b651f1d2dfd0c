import type { EventMetadata, StoredEvent } from '../../domain/model/event-envelope';

/**
 * A row of the `events` table as the change feed delivers it: the repository's
 * {@link StoredEvent} (payload and metadata parsed from JSON) plus its place in the feed.
 */
export interface FeedEvent extends StoredEvent {
  /** `position` (bigint) as a decimal string. */
  readonly position: string;
  /** `transaction_id` (xid8) as a decimal string. */
  readonly transactionId: string;
  readonly createdAt: Date;
}

/** A row as node-postgres returns it from the reader's SELECT or from pgoutput. */
export interface FeedEventRow {
  readonly id: string;
  readonly aggregate_id: string;
  readonly aggregate_type: string;
  readonly event_type: string;
  readonly version: number;
  readonly payload: unknown;
  readonly metadata: EventMetadata;
  readonly created_at: Date;
  readonly position: string;
  readonly transaction_id: string;
}

/** Maps a row to a {@link FeedEvent}. */
export function toFeedEvent(row: FeedEventRow): FeedEvent {
  return {
    eventId: row.id,
    aggregateId: row.aggregate_id,
    aggregateType: row.aggregate_type,
    eventType: row.event_type,
    version: row.version,
    payload: row.payload,
    metadata: row.metadata,
    createdAt: row.created_at,
    position: String(row.position),
    transactionId: String(row.transaction_id),
  };
}
