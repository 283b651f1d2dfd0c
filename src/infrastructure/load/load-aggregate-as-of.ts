import type { AggregateClass, AggregateRoot } from '../../domain/model/aggregate-root';
import type { PointInTime } from '../../domain/repository/load-options';
import { aggregateTypeName } from '../../domain/model/aggregate.decorator';
import { Rehydrator } from '../../domain/repository/rehydrator';
import type { LoadContext } from './load-aggregate';
import { foldableEvent, type PageRow } from './stream-reader';

/**
 * Rehydrates one aggregate as it was at a point in time: from its first event (never from a
 * snapshot, which may have been taken later) up to `asOfVersion`, or up to the last event stored
 * by `asOf`, whichever is earlier. Pages of `pageSize` are read whole, one at a time, so memory
 * stays flat. Resolves with null when the stream had no event by then.
 */
export async function loadAggregateAsOf<T extends AggregateRoot>(
  context: LoadContext,
  type: AggregateClass<T>,
  id: string,
  point: PointInTime,
): Promise<T | null> {
  const { reader, statements, serializer, pageSize, revealer } = context;
  const typeName = aggregateTypeName(type);
  let until = point.asOfVersion ?? Number.MAX_SAFE_INTEGER;
  if (point.asOf !== undefined) {
    const { sql, params } = statements.firstVersionAfter(id, point.asOf);
    const [row] = await reader.query<[version: number | null]>(sql, params);
    if (row?.[0] != null) until = Math.min(until, row[0] - 1);
  }
  const rehydrator = new Rehydrator(type, id, serializer);
  for (;;) {
    const limit = Math.min(pageSize, until - rehydrator.version);
    if (limit <= 0) break;
    const { sql, params } = statements.page(id, rehydrator.version, limit, typeName);
    const rows = await reader.query<PageRow>(sql, params);
    // Decrypted before decoding: the upcasters and the validation see the plain values.
    await revealer?.prepare(rows.map((row) => row[3]));
    for (const row of rows) {
      const event = foldableEvent(row, typeName);
      rehydrator.apply(revealer ? { ...event, payload: revealer.reveal(event.payload) } : event);
    }
    if (rows.length < limit) break;
  }
  return rehydrator.version === 0 ? null : rehydrator.aggregate;
}
