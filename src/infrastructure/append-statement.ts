import type { AppendBatch } from '../domain/append-batch';
import { MAX_VALUES_ROWS, type EventSql, type NamedSql } from './event-sql';

/**
 * The one statement that appends a batch (and writes its snapshots) with its parameters. Each
 * stream's first row carries the gap guard (its expected version); the others 0.
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
      stream.rows.forEach((r, i) => {
        const guard = i === 0 ? stream.expectedVersion : 0;
        params.push(
          r.eventId,
          r.aggregateId,
          r.aggregateType,
          r.eventType,
          r.version,
          r.payloadJson,
          r.metadataJson,
          guard,
        );
      });
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
  return { sql: sql.insert(rowCount, snapshots.length), params };
}
