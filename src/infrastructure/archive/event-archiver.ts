import type { DataSource, QueryRunner } from 'typeorm';
import { ArchiveCountMismatchError } from '../../domain/errors/archive-count-mismatch-error';
import { EVENT_MUTATION_SETTING } from '../../migrations/1732500002000-AppendOnlyEvents';
import {
  COMMAND_KEYS_TABLE,
  EVENTS_ARCHIVE_TABLE,
  EVENTS_TABLE,
  PROJECTION_CHECKPOINTS_TABLE,
} from '../../migrations/schema-names';
import { Placeholders } from '../sql/named-sql';

/** Which events {@link EventArchiver} moves to the archive. */
export interface ArchivePolicy {
  /**
   * A stream is archived once its last event is older than this PostgreSQL interval
   * (`'90 days'`, `'1 year'`). Every event but the last one then moves.
   */
  readonly olderThan: string;
  /** Only streams of this aggregate type. */
  readonly aggregateType?: string;
  /** Streams per batch (one transaction each). Default 100. */
  readonly streamsPerBatch?: number;
  /** Stop after this many batches. Default: until nothing is left. */
  readonly maxBatches?: number;
}

/** What one committed batch moved, and the totals so far. */
export interface ArchiveBatch {
  readonly streams: number;
  readonly events: number;
  readonly totalStreams: number;
  readonly totalEvents: number;
}

const DEFAULT_STREAMS_PER_BATCH = 100;
// One archiver at a time: two would pick the same streams and the second fail on the archive's key.
const ARCHIVER_LOCK = 'tessera.archiver';

/**
 * Moves the events of idle streams from `events` to `events_archive`, in batches of streams, each
 * one transaction through the append-only escape hatch (run it as a member of
 * `tessera_maintainer`, or a superuser). Each stream keeps its last event in `events`: that head
 * row is what the version guarantee and the append statement's gap guard decide appends
 * against, so an archived stream can still be loaded and appended to (see
 * CreateEventsArchive1732500030000).
 *
 * A batch first copies the command keys of the events it is to move into `command_keys`
 * (committed, then it waits for the transactions open at that commit), then counts the events,
 * copies them, deletes them and checks that the three counts agree, else rolls back with
 * {@link ArchiveCountMismatchError}. A killed archiver leaves
 * its open batch rolled back by PostgreSQL: rerunning it moves each event exactly once.
 *
 * Change feeds are not disturbed: the publication carries inserts into `events` only (the
 * archive is not in it, and deletes are not published), and a stream is only archived once its
 * head is behind the checkpoint of every ordered-feed projection in `projection_checkpoints`.
 */
export class EventArchiver {
  constructor(private readonly dataSource: DataSource) {}

  /** Events and streams the policy would archive now (what a run moves, if nothing changes). */
  async pending(policy: ArchivePolicy): Promise<{ streams: number; events: number }> {
    const p = new Placeholders();
    const cutoff = `now() - ${p.add(policy.olderThan)}::interval`;
    const type =
      policy.aggregateType === undefined
        ? ''
        : ` WHERE aggregate_type = ${p.add(policy.aggregateType)}`;
    const rows = await this.dataSource.query<{ streams: number; events: number }[]>(
      'SELECT count(*)::float8 AS streams, COALESCE(sum(s.n - 1), 0)::float8 AS events FROM (' +
        `SELECT aggregate_id, count(*) AS n FROM "${EVENTS_TABLE}"${type} GROUP BY aggregate_id ` +
        `HAVING count(*) > 1 AND max(created_at) < ${cutoff}) s ` +
        `CROSS JOIN LATERAL (${HEAD_OF('s')}) h WHERE ${BEHIND_CHECKPOINTS}`,
      p.values,
    );
    return rows[0];
  }

  /** Runs batches until nothing is left (or `maxBatches`), yielding after each commit. */
  async *run(policy: ArchivePolicy): AsyncGenerator<ArchiveBatch> {
    const perBatch = policy.streamsPerBatch ?? DEFAULT_STREAMS_PER_BATCH;
    if (!Number.isInteger(perBatch) || perBatch < 1) {
      throw new TypeError(`streamsPerBatch must be a positive integer, got ${perBatch}`);
    }
    let totalStreams = 0;
    let totalEvents = 0;
    // Rows older than the cursor were moved or found ineligible by an earlier batch of this run:
    // each batch reads on from there in the created_at index instead of from the oldest row.
    let cursor: Date | null = null;
    for (let batch = 0; policy.maxBatches === undefined || batch < policy.maxBatches; batch++) {
      const moved = await this.#batch(policy, perBatch, cursor);
      if (moved.streams === 0) return;
      cursor = moved.reached;
      totalStreams += moved.streams;
      totalEvents += moved.events;
      yield { streams: moved.streams, events: moved.events, totalStreams, totalEvents };
    }
  }

  /**
   * One batch, in two transactions on one connection. The first picks the streams and copies
   * the command keys of the events that will move into `command_keys`; the second moves the
   * events. Between them it waits until every transaction of this database that was open when
   * the keys were committed has ended: a keyed save's statement looks for its key in
   * `command_keys` with its own snapshot, so by the time an event leaves `events` (and its key
   * leaves the unique index) every statement still running sees the key in `command_keys`.
   */
  async #batch(policy: ArchivePolicy, perBatch: number, cursor: Date | null): Promise<Moved> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const picked = await inTransaction(runner, () => keepKeys(runner, policy, perBatch, cursor));
      if (picked.ids.length === 0) return { streams: 0, events: 0, reached: cursor };
      await waitForOpenTransactions(runner);
      const moved = await inTransaction(runner, () => moveEvents(runner, picked));
      return { ...moved, reached: picked.reached };
    } finally {
      await runner.release();
    }
  }
}

/** What a batch moved, and the creation time its candidate scan reached. */
interface Moved {
  readonly streams: number;
  readonly events: number;
  readonly reached: Date | null;
}

/** The streams a batch picked: every event below each one's head moves. */
interface Picked {
  readonly ids: readonly string[];
  readonly heads: readonly number[];
  readonly reached: Date | null;
}

async function inTransaction<T>(runner: QueryRunner, work: () => Promise<T>): Promise<T> {
  await runner.startTransaction();
  try {
    const result = await work();
    await runner.commitTransaction();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  }
}

/** Opens the escape hatch for this transaction, one archiver transaction at a time. */
async function archiverTransaction(runner: QueryRunner): Promise<void> {
  await runner.query('SELECT pg_advisory_xact_lock(hashtext($1))', [ARCHIVER_LOCK]);
  await runner.query(`SELECT set_config('${EVENT_MUTATION_SETTING}', 'on', true)`);
}

const BATCH = `(SELECT * FROM unnest($1::uuid[], $2::int[]) AS b(aggregate_id, head))`;
const SCOPE = `e.aggregate_id = b.aggregate_id AND e.version < b.head`;

/** Picks the batch's streams and copies the keys of the events that will move. */
async function keepKeys(
  runner: QueryRunner,
  policy: ArchivePolicy,
  perBatch: number,
  cursor: Date | null,
): Promise<Picked> {
  await archiverTransaction(runner);
  const p = new Placeholders();
  const streams = eligibleStreams(policy, p, perBatch, cursor);
  const picked = (await runner.query(streams, p.values)) as {
    aggregate_id: string;
    head: number;
    reached: Date;
  }[];
  if (picked.length === 0) return { ids: [], heads: [], reached: cursor };
  const reached = picked.reduce((max, s) => (s.reached > max ? s.reached : max), picked[0].reached);
  const ids = picked.map((s) => s.aggregate_id);
  const heads = picked.map((s) => s.head);
  // A command key leaves the events' unique index with its row: kept in command_keys, which a
  // keyed save to a stream with events checks, it still answers a retry as a replay.
  await runner.query(
    `INSERT INTO "${COMMAND_KEYS_TABLE}" (aggregate_id, command_id, fingerprint, first_version, ` +
      'last_version, created_at) SELECT e.aggregate_id, e.command_id, e.command_fingerprint, ' +
      `e.version, e.command_last_version, e.created_at FROM "${EVENTS_TABLE}" e JOIN ${BATCH} b ` +
      `ON ${SCOPE} WHERE e.command_id IS NOT NULL ON CONFLICT (aggregate_id, command_id) DO NOTHING`,
    [ids, heads],
  );
  return { ids, heads, reached };
}

/**
 * Waits until the transactions of this database's client sessions open now have ended (each
 * holds the lock on its virtual transaction id until it ends; `pg_locks` shows them to any role),
 * as `CREATE INDEX CONCURRENTLY` waits: a session idle in a transaction holds the batch up.
 */
async function waitForOpenTransactions(runner: QueryRunner): Promise<void> {
  const [{ open }] = (await runner.query(
    'SELECT COALESCE(array_agg(l.virtualxid), ARRAY[]::text[]) AS open FROM pg_locks l ' +
      'JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = $1 AND l.granted ' +
      "AND l.pid <> pg_backend_pid() AND a.datname = current_database() AND a.backend_type = 'client backend'",
    ['virtualxid'],
  )) as { open: string[] }[];
  if (open.length === 0) return;
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    const [{ left }] = (await runner.query(
      'SELECT count(*)::int AS left FROM pg_locks WHERE locktype = $1 AND virtualxid = ANY($2::text[])',
      ['virtualxid', open],
    )) as { left: number }[];
    if (left === 0) return;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** Moves the picked streams' events below their heads, checking the three counts agree. */
async function moveEvents(
  runner: QueryRunner,
  picked: Picked,
): Promise<{ streams: number; events: number }> {
  await archiverTransaction(runner);
  const params = [picked.ids, picked.heads];
  const [{ expected, streams }] = (await runner.query(
    'SELECT count(*)::int AS expected, count(DISTINCT e.aggregate_id)::int AS streams ' +
      `FROM "${EVENTS_TABLE}" e JOIN ${BATCH} b ON ${SCOPE}`,
    params,
  )) as { expected: number; streams: number }[];
  const copied = await affected(
    runner,
    `INSERT INTO "${EVENTS_ARCHIVE_TABLE}" (id, aggregate_id, aggregate_type, event_type, version, ` +
      'payload, metadata, created_at, position, transaction_id, command_id, command_fingerprint, ' +
      'command_last_version) SELECT e.id, e.aggregate_id, e.aggregate_type, e.event_type, e.version, ' +
      'e.payload, e.metadata, e.created_at, e.position, e.transaction_id, e.command_id, ' +
      `e.command_fingerprint, e.command_last_version FROM "${EVENTS_TABLE}" e JOIN ${BATCH} b ON ${SCOPE}`,
    params,
  );
  const removed = await affected(
    runner,
    `DELETE FROM "${EVENTS_TABLE}" e USING ${BATCH} b WHERE ${SCOPE}`,
    params,
  );
  if (copied !== expected || removed !== expected) {
    throw new ArchiveCountMismatchError(expected, copied, removed);
  }
  return { streams, events: expected };
}

/** Rows a data-modifying statement affected. */
async function affected(runner: QueryRunner, sql: string, params: unknown[]): Promise<number> {
  const result = await runner.query(sql, params, true);
  return result.affected ?? 0;
}

/** The head (last event) of the stream of the row aliased `alias`. */
const HEAD_OF = (alias: string): string =>
  `SELECT version, created_at, transaction_id, position FROM "${EVENTS_TABLE}" l ` +
  `WHERE l.aggregate_id = ${alias}.aggregate_id ORDER BY version DESC LIMIT 1`;

/** The head `h` is behind the checkpoint of every ordered-feed projection. */
const BEHIND_CHECKPOINTS =
  `NOT EXISTS (SELECT 1 FROM "${PROJECTION_CHECKPOINTS_TABLE}" c WHERE c.lsn IS NULL ` +
  'AND (c.transaction_id, c.position) < (h.transaction_id, h.position))';

/**
 * Up to `limit` streams the policy archives: found from the oldest rows on (the created_at
 * index, from `cursor`), each an event that is not its stream's head, in a stream whose head is
 * older than the cutoff and behind every ordered-feed checkpoint.
 */
function eligibleStreams(
  policy: ArchivePolicy,
  p: Placeholders,
  limit: number,
  cursor: Date | null,
): string {
  const cutoff = `now() - ${p.add(policy.olderThan)}::interval`;
  const type =
    policy.aggregateType === undefined
      ? ''
      : ` AND e.aggregate_type = ${p.add(policy.aggregateType)}`;
  const from = cursor === null ? '' : ` AND e.created_at >= ${p.add(cursor)}::timestamptz`;
  return (
    'SELECT c.aggregate_id, max(c.head) AS head, max(c.created_at) AS reached FROM (' +
    `SELECT e.aggregate_id, h.version AS head, e.created_at FROM "${EVENTS_TABLE}" e ` +
    `CROSS JOIN LATERAL (${HEAD_OF('e')}) h ` +
    `WHERE e.created_at < ${cutoff}${from} AND h.created_at < ${cutoff} AND e.version < h.version${type} ` +
    `AND ${BEHIND_CHECKPOINTS} ORDER BY e.created_at LIMIT ${p.add(limit)}) c GROUP BY c.aggregate_id`
  );
}
