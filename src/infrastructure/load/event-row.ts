import type { EventMetadata, StoredEvent } from '../../domain/model/event-envelope';

/** A whole row of the `events` table as node-postgres returns it (jsonb already parsed). */
export interface EventRow {
  readonly version: number;
  readonly aggregate_type: string;
  readonly event_type: string;
  readonly payload: unknown;
  readonly id: string;
  readonly metadata: EventMetadata;
  readonly created_at: Date;
}

/** A row read by its id: with its aggregate id. */
export interface EventRowWithId extends EventRow {
  readonly aggregate_id: string;
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
