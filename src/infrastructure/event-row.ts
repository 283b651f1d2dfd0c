import type { EventMetadata, StoredEvent } from '../domain/event-envelope';

/** The columns a fold reads (jsonb already parsed by node-postgres). */
export interface FoldRow {
  readonly version: number;
  readonly aggregate_type: string;
  readonly event_type: string;
  readonly payload: unknown;
}

/** A whole row of the `events` table as node-postgres returns it. */
export interface EventRow extends FoldRow {
  readonly id: string;
  readonly metadata: EventMetadata;
  readonly created_at: Date;
}

/** Maps a row of one aggregate's stream to a {@link StoredEvent}. */
export function toStoredEvent(aggregateId: string, row: EventRow): StoredEvent {
  return {
    eventId: row.id,
    aggregateId,
    aggregateType: row.aggregate_type,
    eventType: row.event_type,
    version: row.version,
    payload: row.payload,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}
