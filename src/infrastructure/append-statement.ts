import type { AppendBatch } from '../domain/append-batch';
import type { EventSql, NamedSql } from './event-sql';

/**
 * Chooses the one statement that appends a batch (and writes its snapshots): a plain VALUES
 * insert for a single event, array parameters for several, a CTE when snapshots go along.
 */
export function buildAppendStatement(
  sql: EventSql,
  batch: AppendBatch,
): { sql: NamedSql; params: unknown[] } {
  const rows = batch.rows;
  const snapshots = batch.streams.filter((s) => s.snapshot !== undefined);
  if (rows.length === 1 && snapshots.length === 0) {
    const r = rows[0];
    return {
      sql: sql.insertOne,
      params: [
        r.eventId,
        r.aggregateId,
        r.aggregateType,
        r.eventType,
        r.version,
        r.payloadJson,
        r.metadataJson,
      ],
    };
  }
  const expected = batch.streams.flatMap((s) => s.rows.map(() => s.expectedVersion));
  const params: unknown[] = [
    rows.map((r) => r.eventId),
    rows.map((r) => r.aggregateId),
    rows.map((r) => r.aggregateType),
    rows.map((r) => r.eventType),
    rows.map((r) => r.version),
    rows.map((r) => r.payloadJson),
    rows.map((r) => r.metadataJson),
    expected,
  ];
  if (snapshots.length === 0) return { sql: sql.insertMany, params };
  params.push(
    snapshots.map((s) => s.aggregate.id),
    snapshots.map((s) => s.aggregateType),
    snapshots.map((s) => s.snapshot?.version),
    snapshots.map((s) => s.snapshot?.schemaVersion),
    snapshots.map((s) => s.snapshot?.stateJson),
  );
  return { sql: sql.insertWithSnapshots, params };
}
