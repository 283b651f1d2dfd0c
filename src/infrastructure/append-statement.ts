import type { AppendBatch } from '../domain/append-batch';
import { MAX_VALUES_ROWS, type EventSql, type NamedSql } from './event-sql';

/**
 * The one statement that appends a batch (and writes its snapshots) with its parameters. In the
 * VALUES form each stream's id, type and expected version (the gap guard, checked on its first
 * row) travel once; in the array form every row carries them, the guard 0 after a stream's first.
 */
export function buildAppendStatement(
  sql: EventSql,
  batch: AppendBatch,
): { sql: NamedSql; params: unknown[] } {
  const rowCount = batch.rows.length;
  const snapshots = batch.streams.filter((s) => s.snapshot !== undefined);
  const params: unknown[] = [];
  if (rowCount <= MAX_VALUES_ROWS) {
    for (const stream of batch.streams) {
      params.push(stream.aggregate.id, stream.aggregateType, stream.expectedVersion);
      for (const r of stream.rows) {
        params.push(r.eventId, r.eventType, r.version, r.payloadJson, r.metadataJson);
      }
    }
  } else {
    const rows = batch.rows;
    params.push(
      rows.map((r) => r.eventId),
      rows.map((r) => r.aggregateId),
      rows.map((r) => r.aggregateType),
      rows.map((r) => r.eventType),
      rows.map((r) => r.version),
      rows.map((r) => r.payloadJson),
      rows.map((r) => r.metadataJson),
      batch.streams.flatMap((s) => s.rows.map((_, i) => (i === 0 ? s.expectedVersion : 0))),
    );
  }
  if (snapshots.length > 0) {
    params.push(
      snapshots.map((s) => s.aggregate.id),
      snapshots.map((s) => s.aggregateType),
      snapshots.map((s) => s.snapshot?.version),
      snapshots.map((s) => s.snapshot?.schemaVersion),
      snapshots.map((s) => s.snapshot?.stateJson),
    );
  }
  const layout = batch.streams.map((s) => s.rows.length);
  return { sql: sql.insert(layout, snapshots.length > 0), params };
}
