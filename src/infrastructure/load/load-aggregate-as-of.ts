import type { AggregateClass, AggregateRoot } from '../../domain/model/aggregate-root';
import type { PointInTime } from '../../domain/repository/load-options';
import { aggregateTypeName } from '../../domain/model/aggregate.decorator';
import { Rehydrator } from '../../domain/repository/rehydrator';
import { StreamArchivedError } from '../../domain/errors/stream-archived-error';
import type { LoadContext } from './load-aggregate';
import type { LoadStatements } from './load-statements';
import { foldableEvent, type PageRow } from './stream-reader';

/**
 * Rehydrates one aggregate as it was at a point in time: from its first event (never from a
 * snapshot, which may have been taken later) up to `asOfVersion`, or up to the last event stored
 * by `asOf`, whichever is earlier, archived versions included. Pages of `pageSize` are read whole,
 * one at a time, so memory stays flat. Resolves with null when the stream had no event by then.
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
  // Folds `source`'s events after the rehydrator's version up to `last`, a page at a time.
  const foldUntil = async (source: LoadStatements, last: number): Promise<void> => {
    for (;;) {
      const limit = Math.min(pageSize, last - rehydrator.version);
      if (limit <= 0) return;
      const { sql, params } = source.page(id, rehydrator.version, limit, typeName);
      const rows = await reader.query<PageRow>(sql, params);
      // Decrypted before decoding: the upcasters and the validation see the plain values.
      await revealer?.prepare(rows.map((row) => row[3]));
      for (const row of rows) {
        const event = foldableEvent(row, typeName);
        rehydrator.apply(revealer ? { ...event, payload: revealer.reveal(event.payload) } : event);
      }
      if (rows.length < limit) return;
    }
  };
  // The archiver keeps each stream's last event hot: a stream whose first hot version is not 1
  // has the versions before it in the archive, folded from there first (as a load does).
  const archive = statements.archived;
  if (archive !== undefined) {
    const { sql, params } = statements.page(id, 0, 1, typeName);
    const [firstHot] = await reader.query<PageRow>(sql, params);
    if (firstHot !== undefined && firstHot[0] > 1) {
      if (context.archivedStreams === 'fail') {
        throw new StreamArchivedError(typeName, id, firstHot[0]);
      }
      await foldUntil(archive, Math.min(until, firstHot[0] - 1));
    }
  }
  await foldUntil(statements, until);
  return rehydrator.version === 0 ? null : rehydrator.aggregate;
}
