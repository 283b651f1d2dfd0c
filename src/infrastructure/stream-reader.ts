import type { AggregateClass, AggregateRoot } from '../domain/aggregate-root';
import { AggregateTypeMismatchError } from '../domain/errors/aggregate-type-mismatch-error';
import type { FoldableEvent } from '../domain/stream-decoder';
import { aggregateTypeName, snapshotPolicyOf } from '../domain/metadata/aggregate.decorator';
import type { EventSql, NamedSql } from './event-sql';

/** A query function bound to one connection. */
export type BoundQuery = <R>(sql: NamedSql, params: readonly unknown[]) => Promise<R[]>;

/** A snapshot usable for an aggregate class. */
export interface UsableSnapshot {
  readonly state: object;
  readonly version: number;
}

/** What {@link readHead} found: the snapshot lookup and the first page of events after it. */
export interface StreamHead {
  /** The snapshot to start from, if one exists with the class's current snapshot version. */
  readonly snapshot?: UsableSnapshot;
  /** True when a snapshot exists but was written for another snapshot version. */
  readonly outdated: boolean;
  /** Up to `pageSize + 1` events after the snapshot (or from the start); see {@link foldPages}. */
  readonly page: FoldableEvent[];
}

/**
 * An event row as the page statements return it: the aggregate type is compared in SQL, so a row
 * of the expected type carries null instead of the same string again, and one of another type
 * carries that type (for the decoder to reject).
 */
interface PageRow extends Omit<FoldableEvent, 'aggregateType'> {
  aggregateType: string | null;
}

interface HeadRow extends Omit<PageRow, 'eventType'> {
  /** Null on the snapshot row only, whose `payload` is the state. */
  readonly eventType: string | null;
  /** Set on the snapshot row only. */
  readonly schemaVersion: number | null;
}

/** Gives each row of the expected type its type back (the same string, nothing allocated). */
function foldable(rows: PageRow[], aggregateType: string): FoldableEvent[] {
  for (const row of rows) if (row.aggregateType === null) row.aggregateType = aggregateType;
  return rows as FoldableEvent[];
}

/**
 * Reads the start of an aggregate's stream in one round trip: for a class with a snapshot
 * policy, its snapshot and the first page of events after it (when the snapshot is usable) or
 * from the start (when there is none or it was written for another snapshot version). A snapshot
 * of another aggregate type is an error, as a stream of another type would be.
 */
export async function readHead<T extends AggregateRoot>(
  query: BoundQuery,
  sql: EventSql,
  type: AggregateClass<T>,
  id: string,
  pageSize: number,
): Promise<StreamHead> {
  const policy = snapshotPolicyOf(type);
  const typeName = aggregateTypeName(type);
  if (!policy) {
    const rows = await query<PageRow>(sql.selectPage, [id, 0, pageSize + 1, typeName]);
    return { outdated: false, page: foldable(rows, typeName) };
  }
  const rows = await query<HeadRow>(sql.selectHead, [id, policy.version, typeName, pageSize + 1]);
  const row = takeSnapshotRow(rows);
  // Every row left is an event row.
  const page = foldable(rows as PageRow[], typeName);
  if (!row) return { outdated: false, page };
  // The snapshot row carries its type as stored.
  if (row.aggregateType !== typeName) {
    throw new AggregateTypeMismatchError(id, typeName, String(row.aggregateType));
  }
  if (row.schemaVersion !== policy.version) return { outdated: true, page };
  return {
    snapshot: { state: row.payload as object, version: row.version },
    outdated: false,
    page,
  };
}

/**
 * Removes and returns the snapshot row: first in practice, but SQL does not promise it. The
 * event rows keep their order (their branch is ordered); were they ever reordered, the decoder
 * would refuse the stream with a `CorruptedStreamError`, never fold it out of order.
 */
function takeSnapshotRow(rows: HeadRow[]): HeadRow | undefined {
  if (rows.length === 0) return undefined;
  if (rows[0].eventType === null) return rows.shift();
  const index = rows.findIndex((row) => row.eventType === null);
  return index < 0 ? undefined : rows.splice(index, 1)[0];
}

/**
 * Folds an aggregate's events after `afterVersion` in keyset pages of `pageSize`, handing each
 * page to `fold` before the next one is fetched, so memory stays flat however long the stream.
 * Each query asks for one row more than a page: that row only says whether another page exists,
 * so a stream ending on a page boundary costs no extra, empty query. `first` is a page already
 * read that way (see {@link readHead}). Returns the number of events folded.
 */
export async function foldPages(
  query: BoundQuery,
  sql: EventSql,
  id: string,
  aggregateType: string,
  afterVersion: number,
  pageSize: number,
  fold: (page: readonly FoldableEvent[]) => void,
  first?: FoldableEvent[],
): Promise<number> {
  let after = afterVersion;
  let total = 0;
  // The statement names its columns as FoldableEvent's properties: rows need no mapping.
  const read = async (): Promise<FoldableEvent[]> =>
    foldable(
      await query<PageRow>(sql.selectPage, [id, after, pageSize + 1, aggregateType]),
      aggregateType,
    );
  let page = first ?? (await read());
  for (;;) {
    const more = page.length > pageSize;
    if (more) page.length = pageSize;
    if (page.length > 0) fold(page);
    total += page.length;
    if (!more) return total;
    after = page[page.length - 1].version;
    page = await read();
  }
}
