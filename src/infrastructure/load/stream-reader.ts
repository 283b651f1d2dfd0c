import type { AggregateClass, AggregateRoot } from '../../domain/model/aggregate-root';
import { AggregateTypeMismatchError } from '../../domain/errors/aggregate-type-mismatch-error';
import type { FoldableEvent } from '../../domain/repository/stream-decoder';
import { aggregateTypeName, snapshotPolicyOf } from '../../domain/model/aggregate.decorator';
import type { LoadStatements } from './load-statements';
import { schemaVersionOf } from './schema-version-of';
import type { BoundQuery, EachRow } from '../session/pg-session';

/** A snapshot usable for an aggregate class. */
export interface UsableSnapshot {
  readonly state: object;
  readonly version: number;
}

/** What {@link readHead} found: the snapshot lookup and the first page of events after it. */
export interface StreamHead {
  /** The snapshot to start from, if one exists with the class's current snapshot version. */
  readonly snapshot?: UsableSnapshot;
  /** Up to `pageSize + 1` events after the snapshot (or from the start); see {@link foldPages}. */
  readonly page: readonly PageRow[];
}

/**
 * An event row as the page statements return it: an array in `PAGE_COLUMNS` order (see
 * {@link LoadStatements.page}). The aggregate type is compared in SQL: a row of the expected
 * type carries null instead of the same string again, one of another type carries that type (for
 * the decoder to reject).
 */
export type PageRow = [
  version: number,
  aggregateType: string | null,
  eventType: string,
  payload: unknown,
  schemaVersion: string | null,
];

/**
 * A row of the head statement ({@link LoadStatements.head}), in `HEAD_COLUMNS` order: an event
 * row, or the snapshot row, which has no event type, its state as payload, its own aggregate type
 * and its snapshot schema version.
 */
type HeadRow = [
  version: number,
  aggregateType: string | null,
  eventType: string | null,
  payload: unknown,
  schemaVersion: string | null,
];

/** The event a page row holds (a row of the expected type gets that type back). */
export function foldableEvent(row: PageRow, aggregateType: string): FoldableEvent {
  return {
    aggregateType: row[1] ?? aggregateType,
    eventType: row[2],
    version: row[0],
    payload: row[3],
    schemaVersion: schemaVersionOf(row[4]),
  };
}

/**
 * Reads the start of an aggregate's stream in one round trip: the first page of events, and for
 * a class with a snapshot policy its snapshot with the first page after it (when the snapshot is
 * usable) or from the start (when there is none or it was written for another snapshot version).
 * A snapshot of another aggregate type is an error, as a stream of another type would be. The
 * page is read whole (see {@link foldPages}).
 */
export async function readHead<T extends AggregateRoot>(
  query: BoundQuery,
  statements: LoadStatements,
  type: AggregateClass<T>,
  id: string,
  pageSize: number,
): Promise<StreamHead> {
  const policy = snapshotPolicyOf(type);
  const typeName = aggregateTypeName(type);
  if (!policy) {
    const { sql, params } = statements.page(id, 0, pageSize + 1, typeName);
    return { page: await query<PageRow>(sql, params) };
  }
  const { sql, params } = statements.head(id, policy.version, typeName, pageSize + 1);
  const rows = await query<HeadRow>(sql, params);
  const row = takeSnapshotRow(rows);
  // Every row left is an event row.
  const page = rows as unknown as PageRow[];
  if (!row) return { page };
  // The snapshot row carries its type as stored.
  if (row[1] !== typeName) {
    throw new AggregateTypeMismatchError(id, typeName, String(row[1]));
  }
  // A snapshot of another schema version is not used; the events were read from the start.
  if (schemaVersionOf(row[4]) !== policy.version) return { page };
  return { snapshot: { state: row[3] as object, version: row[0] }, page };
}

/**
 * Removes and returns the snapshot row: first in practice, but SQL does not promise it. The
 * event rows keep their order (their branch is ordered); were they ever reordered, the decoder
 * would refuse the stream with a `CorruptedStreamError`, never fold it out of order.
 */
function takeSnapshotRow(rows: HeadRow[]): HeadRow | undefined {
  if (rows.length === 0) return undefined;
  if (rows[0][2] === null) return rows.shift();
  for (let i = 1; i < rows.length; i++) if (rows[i][2] === null) return rows.splice(i, 1)[0];
  return undefined;
}

/**
 * How many pages, counting the first, are read whole before later pages are folded row by row as
 * they arrive. Whole pages fold fastest: when rows stream, pg's reader waits on the fold between
 * socket reads. But collected pages outlive young-generation collections, and over a long stream
 * that survival grows V8's young generation to its limit; ten pages stay well short of that
 * (docs/performance.md has the measurements).
 */
export const WHOLE_PAGES = 10;

/** The two ways {@link foldPages} reads a page, both bound to one connection. */
export interface PageReader {
  /** Collects a page's rows. */
  readonly query: BoundQuery;
  /** Hands a page's rows over one by one as they arrive. */
  readonly each: EachRow;
}

/**
 * Folds an aggregate's events after `afterVersion` in keyset pages of `pageSize`. `first` is a
 * page already read (see {@link readHead}). The first {@link WHOLE_PAGES} pages are read whole
 * and then folded; after them each event is folded as its row arrives and no row is kept, so
 * memory stays flat however long the stream. Each statement asks for one row more than a page:
 * that row is not folded, it only says whether another page exists, so a stream ending on a page
 * boundary costs no extra, empty statement. Returns the number of events folded. With `prepare`,
 * every page is read whole and handed to it before its events are folded.
 *
 * A streamed page's statement is open while its events are folded: once its rows outgrow the
 * socket buffers, the server waits on the fold, so slow handlers count against
 * `statement_timeout` (and pg's `query_timeout`) for that page. Reading the next whole page
 * ahead while folding one was tried and removed: the statement sent ahead had its
 * `query_timeout` running during the fold, and a failed fold could leave it in flight.
 */
export async function foldPages(
  reader: PageReader,
  statements: LoadStatements,
  id: string,
  aggregateType: string,
  afterVersion: number,
  pageSize: number,
  fold: (event: FoldableEvent) => void,
  first?: readonly PageRow[],
  prepare?: (rows: readonly PageRow[]) => Promise<void>,
): Promise<number> {
  let after = afterVersion;
  let total = 0;
  let pages = 0;
  // With `prepare` (the keys of personal data a page names) every page is read whole.
  for (let page = first; pages < WHOLE_PAGES || prepare; page = undefined) {
    let rows = page;
    if (rows === undefined) {
      const { sql, params } = statements.page(id, after, pageSize + 1, aggregateType);
      rows = await reader.query<PageRow>(sql, params);
    }
    pages += 1;
    if (prepare) await prepare(rows);
    const folded = Math.min(rows.length, pageSize);
    for (let i = 0; i < folded; i++) fold(foldableEvent(rows[i], aggregateType));
    total += folded;
    if (rows.length <= pageSize) return total;
    after = rows[pageSize - 1][0];
  }
  let inPage = 0;
  const onRow = (row: PageRow): void => {
    inPage += 1;
    if (inPage > pageSize) return;
    after = row[0];
    fold(foldableEvent(row, aggregateType));
  };
  for (;;) {
    inPage = 0;
    const { sql, params } = statements.page(id, after, pageSize + 1, aggregateType);
    const rows = await reader.each<PageRow>(sql, params, onRow);
    total += Math.min(rows, pageSize);
    if (rows <= pageSize) return total;
  }
}
