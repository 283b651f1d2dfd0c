import type { DataSource } from 'typeorm';
import type { RawEvent } from './upcast-account';

/**
 * Inserts rows as an older release wrote them, by raw SQL at the stream's next versions:
 * `metadata.schemaVersion` only when given, `created_at` when given.
 */
export async function insertRawEvents(
  dataSource: DataSource,
  aggregateId: string,
  aggregateType: string,
  events: readonly (RawEvent & { readonly createdAt?: Date })[],
): Promise<void> {
  for (const event of events) {
    const metadata = {
      ...(event.schemaVersion === undefined ? {} : { schemaVersion: event.schemaVersion }),
      occurredAt: new Date().toISOString(),
    };
    await dataSource.query(
      'INSERT INTO events (aggregate_id, aggregate_type, event_type, version, payload, metadata, created_at) ' +
        'SELECT $1, $2, $3, COALESCE(MAX(version), 0) + 1, $4, $5, COALESCE($6, now()) ' +
        'FROM events WHERE aggregate_id = $1',
      [
        aggregateId,
        aggregateType,
        event.eventType,
        JSON.stringify(event.payload),
        JSON.stringify(metadata),
        event.createdAt ?? null,
      ],
    );
  }
}
