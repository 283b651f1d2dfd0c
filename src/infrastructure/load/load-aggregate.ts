import type { AggregateClass, AggregateRoot } from '../../domain/model/aggregate-root';
import type { EventSerializer } from '../../domain/codec/event-serializer';
import { aggregateTypeName } from '../../domain/model/aggregate.decorator';
import { StreamArchivedError } from '../../domain/errors/stream-archived-error';
import { Rehydrator } from '../../domain/repository/rehydrator';
import type { LoadStatements } from './load-statements';
import type { FoldableEvent } from '../../domain/repository/stream-decoder';
import {
  foldPages,
  readHead,
  type PageReader,
  type PageRow,
  type UsableSnapshot,
} from './stream-reader';
import type { UpdateHistory } from './update-history';
import type { PayloadRevealer } from '../personal-data/payload-revealer';

/** What {@link loadAggregate} reads with, bound to one connection. */
export interface LoadContext {
  readonly reader: PageReader;
  readonly statements: LoadStatements;
  readonly serializer: EventSerializer;
  readonly pageSize: number;
  /** Decrypts personal data before each event is decoded; absent without the option. */
  readonly revealer?: PayloadRevealer;
  /** What a load does when a stream's first events are archived (default `load`). */
  readonly archivedStreams?: 'load' | 'fail';
}

/**
 * Rehydrates one aggregate: the head of its stream (the usable snapshot and the first page, one
 * round trip), then the remaining pages, each event folded as it is read. With the history of an
 * `update()`, a retry starts from the rows an earlier attempt read and reads only newer ones.
 * Resolves with null for an empty stream.
 */
export async function loadAggregate<T extends AggregateRoot>(
  context: LoadContext,
  type: AggregateClass<T>,
  id: string,
  history?: UpdateHistory,
): Promise<T | null> {
  const { reader, statements, serializer, pageSize, revealer } = context;
  let first: readonly PageRow[] | undefined;
  let snapshot: UsableSnapshot | undefined;
  if (history?.usable) {
    snapshot = history.snapshot();
  } else {
    const head = await readHead(reader.query, statements, type, id, pageSize);
    first = head.page;
    snapshot = head.snapshot;
    history?.start(snapshot);
  }
  const rehydrator = new Rehydrator(type, id, serializer, snapshot);
  history?.replay(rehydrator);
  const fold = (stored: FoldableEvent): void => {
    const row = revealer ? { ...stored, payload: revealer.reveal(stored.payload) } : stored;
    history?.remember(row);
    rehydrator.apply(row);
  };
  const prepare =
    revealer && ((rows: readonly PageRow[]) => revealer.prepare(rows.map((row) => row[3])));
  // A stream whose first hot event is not the next version has its older events archived (the
  // archiver keeps every stream's last event here): they are folded from the archive first.
  if (first !== undefined && first.length > 0 && first[0][0] !== rehydrator.version + 1) {
    const archive = statements.archived;
    if (archive !== undefined && context.archivedStreams === 'fail') {
      throw new StreamArchivedError(aggregateTypeName(type), id, first[0][0]);
    }
    if (archive !== undefined) {
      await foldPages(
        reader,
        archive,
        id,
        aggregateTypeName(type),
        rehydrator.version,
        pageSize,
        fold,
        undefined,
        prepare,
      );
    }
  }
  await foldPages(
    reader,
    statements,
    id,
    aggregateTypeName(type),
    rehydrator.version,
    pageSize,
    fold,
    first,
    prepare,
  );
  return rehydrator.version === 0 ? null : rehydrator.aggregate;
}
