import type { DataSource, EntityManager } from 'typeorm';
import { FEED_START, type FeedCheckpoint } from '../change-feed/feed-checkpoint';
import { qualifiedTableName } from '../sql/sql-identifier';
import { ProjectionCheckpointMovedError } from './projection-checkpoint-moved-error';
import { PROJECTION_CHECKPOINTS_TABLE } from '../../migrations/schema-names';

/** A projection's stored progress. */
export interface ProjectionCheckpoint {
  /** The last event applied from the ordered feed (or, for replication, the catch-up's end). */
  readonly feed: FeedCheckpoint;
  /** End LSN of the last replicated transaction applied; null until replication took over. */
  readonly lsn: string | null;
}

/** Progress of a projection that has applied nothing yet. */
export const PROJECTION_START: ProjectionCheckpoint = Object.freeze({
  feed: FEED_START,
  lsn: null,
});

interface CheckpointRow {
  transaction_id: string;
  position: string;
  lsn: string | null;
}

/** Whether two stored progress values are the same. */
export function sameProjectionCheckpoint(
  a: ProjectionCheckpoint,
  b: ProjectionCheckpoint,
): boolean {
  return (
    a.feed.transactionId === b.feed.transactionId &&
    a.feed.position === b.feed.position &&
    a.lsn === b.lsn
  );
}

/**
 * Reads and writes `projection_checkpoints`. Writes happen inside the caller's transaction, the
 * one that also changes the read model: that is what makes an applied batch count exactly once.
 */
export class ProjectionCheckpointStore {
  readonly #dataSource: DataSource;
  readonly #table: string;

  constructor(dataSource: DataSource, options: { schema?: string; table?: string } = {}) {
    this.#dataSource = dataSource;
    this.#table = qualifiedTableName(options.table ?? PROJECTION_CHECKPOINTS_TABLE, options.schema);
  }

  /** The stored progress, creating the row at the start if the projection has none. */
  async load(name: string): Promise<ProjectionCheckpoint> {
    await this.#dataSource.query(
      `INSERT INTO ${this.#table} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
      [name],
    );
    const rows = await this.#dataSource.query<CheckpointRow[]>(this.#select(''), [name]);
    return toCheckpoint(rows[0]);
  }

  /** The stored progress without creating it: undefined when the projection has no row. */
  async read(name: string): Promise<ProjectionCheckpoint | undefined> {
    const rows = await this.#dataSource.query<CheckpointRow[]>(this.#select(''), [name]);
    return rows[0] ? toCheckpoint(rows[0]) : undefined;
  }

  /** Reads and row-locks the progress in `manager`'s transaction, creating the row if needed. */
  async lock(manager: EntityManager, name: string): Promise<ProjectionCheckpoint> {
    await manager.query(
      `INSERT INTO ${this.#table} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
      [name],
    );
    const rows = await manager.query<CheckpointRow[]>(this.#select(' FOR UPDATE'), [name]);
    return toCheckpoint(rows[0]);
  }

  /** Stores new progress in `manager`'s transaction (lock the row first). */
  async save(
    manager: EntityManager,
    name: string,
    checkpoint: ProjectionCheckpoint,
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.#table} SET transaction_id = $2::xid8, position = $3::bigint, ` +
        'lsn = $4::pg_lsn, updated_at = now() WHERE name = $1',
      [name, checkpoint.feed.transactionId, checkpoint.feed.position, checkpoint.lsn],
    );
  }

  /**
   * Runs `apply` and moves the checkpoint from `expected` to `next` in one transaction, fenced:
   * if another runner (or a rebuild) moved the checkpoint meanwhile, nothing is applied and
   * {@link ProjectionCheckpointMovedError} is thrown. Returns what `apply` returned.
   */
  async advance(
    name: string,
    expected: ProjectionCheckpoint,
    next: ProjectionCheckpoint,
    apply: (manager: EntityManager) => Promise<number>,
  ): Promise<number> {
    return this.#dataSource.transaction(async (manager) => {
      const stored = await this.lock(manager, name);
      if (!sameProjectionCheckpoint(stored, expected))
        throw new ProjectionCheckpointMovedError(name);
      const applied = await apply(manager);
      await this.save(manager, name, next);
      return applied;
    });
  }

  #select(suffix: string): string {
    return (
      'SELECT transaction_id::text AS transaction_id, position::text AS position, lsn::text AS lsn ' +
      `FROM ${this.#table} WHERE name = $1${suffix}`
    );
  }
}

function toCheckpoint(row: CheckpointRow): ProjectionCheckpoint {
  return {
    feed: { transactionId: row.transaction_id, position: row.position },
    lsn: row.lsn,
  };
}
