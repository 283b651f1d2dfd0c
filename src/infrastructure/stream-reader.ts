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

/** What {@link readSnapshot} found. */
export interface SnapshotLookup {
  /** The snapshot to start from, if one exists with the class's current snapshot version. */
  readonly snapshot?: UsableSnapshot;
  /** True when a snapshot exists but was written for another snapshot version. */
  readonly outdated: boolean;
}

interface SnapshotRow {
  readonly aggregate_type: string;
  readonly version: number;
  readonly schema_version: number;
  readonly state: object;
}

/**
 * Reads the snapshot of an aggregate whose class has a snapshot policy. A snapshot of another
 * snapshot version is reported as outdated and not used; one of another aggregate type is an
 * error, as a stream of another type would be.
 */
export async function readSnapshot<T extends AggregateRoot>(
  query: BoundQuery,
  sql: EventSql,
  type: AggregateClass<T>,
  id: string,
): Promise<SnapshotLookup> {
  const policy = snapshotPolicyOf(type);
  if (!policy) return { outdated: false };
  const [row] = await query<SnapshotRow>(sql.selectSnapshot, [id]);
  if (!row) return { outdated: false };
  const typeName = aggregateTypeName(type);
  if (row.aggregate_type !== typeName) {
    throw new AggregateTypeMismatchError(id, typeName, row.aggregate_type);
  }
  if (row.schema_version !== policy.version) return { outdated: true };
  return { snapshot: { state: row.state, version: row.version }, outdated: false };
}

/**
 * Reads an aggregate's events after `afterVersion` in keyset pages of `pageSize`, handing each
 * page to `fold` before the next one is fetched, so memory stays flat however long the stream.
 * Returns the number of events read.
 */
export async function foldPages(
  query: BoundQuery,
  sql: EventSql,
  id: string,
  afterVersion: number,
  pageSize: number,
  fold: (page: readonly FoldableEvent[]) => void,
): Promise<number> {
  let after = afterVersion;
  let total = 0;
  for (;;) {
    // The statement names its columns as FoldableEvent's properties: rows need no mapping.
    const page = await query<FoldableEvent>(sql.selectPage, [id, after, pageSize]);
    if (page.length > 0) fold(page);
    total += page.length;
    if (page.length < pageSize) return total;
    after = page[page.length - 1].version;
  }
}
