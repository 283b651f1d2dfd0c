import type { DataSource, QueryRunner } from 'typeorm';
import { PartitionCopyMismatchError } from '../../domain/errors/partition-copy-mismatch-error';
import { EVENTS_PUBLICATION, EVENTS_TABLE } from '../../migrations/schema-names';
import { quoteIdentifier } from '../sql/sql-identifier';
import {
  COMMAND_KEY_INDEX,
  EVENT_COLUMNS,
  PARENT_CONSTRAINTS,
  PARENT_INDEXES,
  partitionedLayoutStatements,
  RETIRED_TABLE,
  STAGING_SEQUENCE,
  STAGING_TABLE,
  stagingName,
} from './partitioned-events-layout';

/** Options of {@link EventsPartitioner.run}. */
export interface PartitionOptions {
  /** Hash partitions to create (when the copy is not started yet). Default 16. */
  readonly partitions?: number;
  /** Events copied per batch (one autocommit statement each). Default 10000. */
  readonly batchSize?: number;
}

/** Progress of the copy: events copied so far, of about `total`. */
export interface PartitionProgress {
  readonly phase: 'copy' | 'switched';
  readonly copied: number;
  readonly total: number;
}

const APPEND_ONLY_TRIGGER = 'trg_events_append_only';
const APPEND_ONLY_FUNCTION = 'tessera_reject_event_mutation';
const GUARD_TRIGGER = 'trg_events_archived_stream_start';
const GUARD_FUNCTION = 'tessera_refuse_archived_stream_start';

/**
 * Moves a plain `events` table to the hash-partitioned layout online (see
 * `partitionedLayoutStatements`): builds the layout beside it, copies the events in batches while
 * the application keeps appending, then switches in one short transaction.
 *
 * The copy reads in the change feed's order, `(transaction_id, position)`, and only rows of
 * transactions older than every open one, so no event committed late is skipped. The switch
 * locks `events` against writes (reads go on), copies the rest, checks both counts, renames the
 * tables, constraints and indexes, moves the triggers, grants and the sequence, and points the
 * publication at the new table with `publish_via_partition_root`, so consumers still see
 * inserts into `events`; the copy itself is never published. The plain table stays as
 * `events_unpartitioned` until the operator drops it. Rows keep their `position` and
 * `transaction_id`: feed checkpoints stay valid. A killed run is resumed by running again.
 */
export class EventsPartitioner {
  constructor(private readonly dataSource: DataSource) {}

  /** True when `events` is already a partitioned table. */
  async isPartitioned(): Promise<boolean> {
    const rows = await this.dataSource.query<{ kind: string }[]>(
      'SELECT relkind::text AS kind FROM pg_class WHERE oid = to_regclass($1)',
      [EVENTS_TABLE],
    );
    return rows[0]?.kind === 'p';
  }

  /** Runs (or resumes) the migration, yielding progress after each batch and at the switch. */
  async *run(options: PartitionOptions = {}): AsyncGenerator<PartitionProgress> {
    const partitions = options.partitions ?? 16;
    const batchSize = options.batchSize ?? 10_000;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 99) {
      throw new TypeError(`partitions must be an integer from 1 to 99, got ${partitions}`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new TypeError(`batchSize must be a positive integer, got ${batchSize}`);
    }
    if (await this.isPartitioned()) return;
    await this.#prepare(partitions);
    let checkpoint = await this.#copied();
    const [{ total }] = await this.dataSource.query<{ total: number }[]>(
      'SELECT GREATEST(reltuples, 0)::float8 AS total FROM pg_class WHERE oid = to_regclass($1)',
      [EVENTS_TABLE],
    );
    let copied = (
      await this.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::float8 AS n FROM "${STAGING_TABLE}"`,
      )
    )[0].n;
    for (;;) {
      const rows = await this.dataSource.query<{ n: number; tx: string; pos: string }[]>(
        `WITH batch AS (SELECT ${EVENT_COLUMNS} FROM "${EVENTS_TABLE}" ` +
          'WHERE (transaction_id, position) > ($1::xid8, $2::bigint) ' +
          'AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) ' +
          'ORDER BY transaction_id, position LIMIT $3), ' +
          `copied AS (INSERT INTO "${STAGING_TABLE}" (${EVENT_COLUMNS}) SELECT ${EVENT_COLUMNS} FROM batch ` +
          'RETURNING transaction_id, position) ' +
          'SELECT (SELECT count(*) FROM copied)::int AS n, t.transaction_id::text AS tx, t.position::text AS pos ' +
          'FROM (SELECT * FROM copied ORDER BY transaction_id DESC, position DESC LIMIT 1) t',
        [checkpoint.tx, checkpoint.pos, batchSize],
      );
      if (rows.length === 0) break;
      checkpoint = { tx: rows[0].tx, pos: rows[0].pos };
      copied += rows[0].n;
      yield { phase: 'copy', copied, total: Math.max(total, copied) };
      if (rows[0].n < batchSize) break;
    }
    const final = await this.#switch(checkpoint);
    yield { phase: 'switched', copied: final, total: final };
  }

  async #prepare(partitions: number): Promise<void> {
    const [{ exists }] = await this.dataSource.query<{ exists: boolean }[]>(
      'SELECT to_regclass($1) IS NOT NULL AS exists',
      [STAGING_TABLE],
    );
    if (exists) return;
    await this.dataSource.transaction(async (manager) => {
      for (const statement of partitionedLayoutStatements(partitions))
        await manager.query(statement);
    });
  }

  /** The feed position of the last event copied (the copy's own index serves it). */
  async #copied(): Promise<{ tx: string; pos: string }> {
    const rows = await this.dataSource.query<{ tx: string; pos: string }[]>(
      `SELECT transaction_id::text AS tx, position::text AS pos FROM "${STAGING_TABLE}" ` +
        'ORDER BY transaction_id DESC, position DESC LIMIT 1',
    );
    return rows[0] ?? { tx: '0', pos: '0' };
  }

  async #switch(checkpoint: { tx: string; pos: string }): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const count = await switchLayout(runner, checkpoint);
      await runner.commitTransaction();
      return count;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }
}

async function switchLayout(
  runner: QueryRunner,
  checkpoint: { tx: string; pos: string },
): Promise<number> {
  const q = (sql: string, params?: unknown[]): Promise<unknown> => runner.query(sql, params);
  // Writers wait from here to the commit; readers go on until the renames.
  await q(`LOCK TABLE "${EVENTS_TABLE}" IN EXCLUSIVE MODE`);
  await q(
    `INSERT INTO "${STAGING_TABLE}" (${EVENT_COLUMNS}) SELECT ${EVENT_COLUMNS} FROM "${EVENTS_TABLE}" ` +
      'WHERE (transaction_id, position) > ($1::xid8, $2::bigint)',
    [checkpoint.tx, checkpoint.pos],
  );
  const [{ plain, partitioned }] = (await runner.query(
    `SELECT (SELECT count(*) FROM "${EVENTS_TABLE}")::float8 AS plain, ` +
      `(SELECT count(*) FROM "${STAGING_TABLE}")::float8 AS partitioned`,
  )) as { plain: number; partitioned: number }[];
  if (plain !== partitioned) throw new PartitionCopyMismatchError(plain, partitioned);
  await q(
    `SELECT setval('"${STAGING_SEQUENCE}"', COALESCE((SELECT max(position) FROM "${EVENTS_TABLE}"), 0) + 1, false)`,
  );

  const grants = (await runner.query(
    "SELECT grantee, string_agg(privilege_type, ', ') AS privileges FROM information_schema.role_table_grants " +
      'WHERE table_schema = current_schema() AND table_name = $1 AND grantee <> current_user GROUP BY grantee',
    [EVENTS_TABLE],
  )) as { grantee: string; privileges: string }[];
  const indexes = (await runner.query(
    'SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = to_regclass($1)',
    [EVENTS_TABLE],
  )) as { name: string }[];
  for (const { name } of indexes) {
    await q(
      `ALTER INDEX ${quoteIdentifier(name, 'index')} RENAME TO ${quoteIdentifier(`${name}_unpartitioned`, 'index')}`,
    );
  }
  await q(`ALTER TABLE "${EVENTS_TABLE}" RENAME TO "${RETIRED_TABLE}"`);
  await q(`ALTER TABLE "${STAGING_TABLE}" RENAME TO "${EVENTS_TABLE}"`);
  for (const { name } of [...PARENT_CONSTRAINTS, COMMAND_KEY_INDEX, ...PARENT_INDEXES]) {
    await q(`ALTER INDEX "${stagingName(name)}" RENAME TO "${name}"`);
  }
  await q(`ALTER SEQUENCE "${STAGING_SEQUENCE}" OWNED BY "${EVENTS_TABLE}"."position"`);

  const partitions = (await runner.query(
    'SELECT relid::regclass::text AS name FROM pg_partition_tree($1) WHERE isleaf',
    [EVENTS_TABLE],
  )) as { name: string }[];
  for (const table of [EVENTS_TABLE, ...partitions.map((p) => p.name)]) {
    const quoted = quoteIdentifier(table, 'partition');
    await q(
      `CREATE TRIGGER "${APPEND_ONLY_TRIGGER}" BEFORE UPDATE OR DELETE OR TRUNCATE ON ${quoted} ` +
        `FOR EACH STATEMENT EXECUTE FUNCTION "${APPEND_ONLY_FUNCTION}"()`,
    );
    await q(`ALTER TABLE ${quoted} ENABLE ALWAYS TRIGGER "${APPEND_ONLY_TRIGGER}"`);
  }
  const [{ guard }] = (await runner.query('SELECT to_regproc($1) IS NOT NULL AS guard', [
    GUARD_FUNCTION,
  ])) as { guard: boolean }[];
  if (guard) {
    // A row trigger on the parent is cloned to every partition.
    await q(
      `CREATE TRIGGER "${GUARD_TRIGGER}" AFTER INSERT ON "${EVENTS_TABLE}" ` +
        `FOR EACH ROW WHEN (NEW.version = 1) EXECUTE FUNCTION "${GUARD_FUNCTION}"()`,
    );
  }
  for (const { grantee, privileges } of grants) {
    await q(
      `GRANT ${privileges} ON TABLE "${EVENTS_TABLE}" TO ${quoteIdentifier(grantee, 'role')}`,
    );
  }
  const [{ publication }] = (await runner.query(
    'SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) AS publication',
    [EVENTS_PUBLICATION],
  )) as { publication: boolean }[];
  if (publication) {
    await q(`ALTER PUBLICATION "${EVENTS_PUBLICATION}" SET (publish_via_partition_root = true)`);
    await q(`ALTER PUBLICATION "${EVENTS_PUBLICATION}" SET TABLE "${EVENTS_TABLE}"`);
  }
  return partitioned;
}
