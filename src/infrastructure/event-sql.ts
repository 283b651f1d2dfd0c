import { createHash } from 'node:crypto';

/** A SQL text with the name it is prepared under on each connection (none: run unnamed). */
export interface NamedSql {
  readonly name?: string;
  readonly text: string;
  /**
   * Set for reads whose rows are taken as arrays, in this column order: pg then builds no
   * object per row (about 50 ns a row on a 1,000-row page). Through a caller's EntityManager,
   * whose rows TypeORM returns as objects, each row is turned into the same array.
   */
  readonly columns?: readonly string[];
}

/** The statements the event repository runs, built once per table name. */
export interface EventSql {
  /**
   * The one statement that appends streams of `streamRows[i]` events each (and, with
   * `snapshots`, upserts snapshots). Up to {@link MAX_VALUES_ROWS} events, a VALUES list: per
   * stream its aggregate id, aggregate type and expected version (the gap guard), then per event
   * row its id, event type, version, payload and metadata. Beyond, one array parameter per
   * column (see {@link buildAppendStatement}).
   */
  insert(streamRows: readonly number[], snapshots: boolean): NamedSql;
  readonly selectPage: NamedSql;
  readonly selectStream: NamedSql;
  /** The snapshot row (if any) and the first page after the usable snapshot, in one statement. */
  readonly selectHead: NamedSql;
  readonly selectVersion: NamedSql;
}

/** The columns of {@link EventSql.selectPage}'s rows, read as arrays in this order. */
export const PAGE_COLUMNS = ['version', 'aggregateType', 'eventType', 'payload'] as const;
/** The columns of {@link EventSql.selectHead}'s rows: a page's, and the snapshot's schema version. */
export const HEAD_COLUMNS = [...PAGE_COLUMNS, 'schemaVersion'] as const;
const EVENT_COLUMNS = 'id, aggregate_id, aggregate_type, event_type, version, payload, metadata';
/** Parameters of the array form: one array per column, plus the gap guards. */
const ARRAY_PARAMS = 8;
// Each layout of an append (how many events per stream, with or without snapshots) is its own
// statement text, prepared under a name on each connection that runs it. A prepared append costs
// its server connection about 30 KB plus 8 KB per row, with the generic plan PostgreSQL keeps for
// it (measured on PostgreSQL 15: 40 KB for one row, 123 KB for ten streams of one, 519 KB for
// 64 rows in one stream or in 64), so layouts are named in the order they are first seen until
// their cost, counted as rows + 4, reaches this budget (about 32 MB per connection at most); a
// new layout that no longer fits runs unnamed, parsed and planned on each use.
export const NAMED_LAYOUT_BUDGET = 4096;
const layoutCost = (rows: number): number => rows + 4;
// Up to this many rows an append is one VALUES list, like a hand-written multi-row INSERT; beyond,
// each column travels as one array parameter (constant text, no 65,535-parameter limit).
export const MAX_VALUES_ROWS = 64;

/**
 * Builds the repository's SQL for the (validated, quoted) table names. Every value is a bind
 * parameter; only table names are text.
 */
export function buildEventSql(events: string, snapshots: string): EventSql {
  // The gap guard: a save whose aggregate claims versions the stream does not have (a stale
  // instance from another store, a stream cut by archival) gets a NULL version, a NOT NULL
  // violation, so the statement fails whole instead of writing a gap.
  const guarded = (id: string, version: string, guard: string): string =>
    `CASE WHEN ${guard}::int = 0 OR EXISTS (SELECT 1 FROM ${events} WHERE aggregate_id = ${id}::uuid ` +
    `AND version = ${guard}::int) THEN ${version}::int END`;
  // A stream's id, type and expected version travel once, each of its rows refers to them.
  // In the VALUES form the guards of all streams are one uncorrelated subquery (run once, before
  // the rows) that gives 0 when every stream has the row at its expected version and NULL when
  // one does not; the statement's first version adds it. Written per stream as a CASE on the
  // expected-version parameter, PostgreSQL folded `0 = 0` away in the plans it built for given
  // values, so they always looked cheaper than the prepared generic plan (which keeps the
  // subqueries) and every execution of a prepared append was planned again. Over a VALUES list
  // of the streams nothing folds: after five executions the generic plan is kept.
  const valuesGuard = (streams: ReadonlyArray<readonly [string, string]>): string =>
    '(SELECT CASE WHEN bool_and(g.expected = 0 OR EXISTS (SELECT 1 FROM ' +
    `${events} e WHERE e.aggregate_id = g.id AND e.version = g.expected)) THEN 0 END FROM (VALUES ` +
    `${streams.map(([id, guard]) => `(${id}::uuid, ${guard}::int)`).join(', ')}) AS g(id, expected))`;
  const valuesInsert = (streamRows: readonly number[]): { text: string; params: number } => {
    const tuples: string[] = [];
    const streams: Array<readonly [string, string]> = [];
    let n = 0;
    const next = (): string => `$${++n}`;
    for (const rows of streamRows) {
      const [id, type, guard] = [next(), next(), next()];
      streams.push([id, guard]);
      for (let r = 0; r < rows; r++) {
        const [eventId, eventType, version, payload, metadata] = [
          next(),
          next(),
          next(),
          next(),
          next(),
        ];
        // The first row's version carries the guard, filled in once every stream is known.
        const checkedVersion =
          tuples.length === 0 ? `${version}::int + (guard)` : `${version}::int`;
        tuples.push(
          `(${eventId}::uuid, ${id}::uuid, ${type}, ${eventType}, ${checkedVersion}, ${payload}::jsonb, ${metadata}::jsonb)`,
        );
      }
    }
    // A replacer function: a string replacement would read a `$$` in a table name as `$`.
    tuples[0] = tuples[0].replace('(guard)', () => valuesGuard(streams));
    return {
      text: `INSERT INTO ${events} (${EVENT_COLUMNS}) VALUES ${tuples.join(', ')}`,
      params: n,
    };
  };
  const arraysInsert =
    `INSERT INTO ${events} (${EVENT_COLUMNS}) SELECT u.id, u.aggregate_id, u.aggregate_type, u.event_type, ` +
    `${guarded('u.aggregate_id', 'u.version', 'u.guard')}, u.payload, u.metadata FROM unnest($1::uuid[], ` +
    '$2::uuid[], $3::varchar[], $4::varchar[], $5::int[], $6::jsonb[], $7::jsonb[], $8::int[]) ' +
    'AS u(id, aggregate_id, aggregate_type, event_type, version, payload, metadata, guard)';
  // Events and snapshots in one statement, so one transaction and one round trip: if the events
  // hit a version conflict the statement fails and no snapshot is written. The upsert concerns
  // snapshots only (a cache); event inserts never use ON CONFLICT.
  const withSnapshots = (eventInsert: string, firstParam: number): string => {
    const p = (i: number): string => `$${firstParam + i}`;
    return (
      `WITH appended AS (${eventInsert} RETURNING 1) ` +
      `INSERT INTO ${snapshots} AS s (aggregate_id, aggregate_type, version, schema_version, state) ` +
      `SELECT * FROM unnest(${p(0)}::uuid[], ${p(1)}::varchar[], ${p(2)}::int[], ${p(3)}::int[], ${p(4)}::jsonb[]) ` +
      'ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_type = EXCLUDED.aggregate_type, ' +
      'version = EXCLUDED.version, schema_version = EXCLUDED.schema_version, state = EXCLUDED.state, ' +
      'created_at = now() WHERE s.version < EXCLUDED.version OR s.schema_version <> EXCLUDED.schema_version'
    );
  };
  const inserts = new Map<string, NamedSql>();
  let spent = 0;
  return {
    insert(streamRows: readonly number[], snapshotsToo: boolean): NamedSql {
      const rows = streamRows.reduce((sum, count) => sum + count, 0);
      const values = rows <= MAX_VALUES_ROWS;
      const key = `${values ? streamRows.join(',') : 'arrays'}:${snapshotsToo}`;
      const cached = inserts.get(key);
      if (cached) return cached;
      const events = values
        ? valuesInsert(streamRows)
        : { text: arraysInsert, params: ARRAY_PARAMS };
      const text = snapshotsToo ? withSnapshots(events.text, events.params + 1) : events.text;
      const cost = layoutCost(values ? rows : ARRAY_PARAMS);
      if (spent + cost > NAMED_LAYOUT_BUDGET) return { text };
      // Named from here on: cached, so its text is built once.
      spent += cost;
      const sql = named(text);
      inserts.set(key, sql);
      return sql;
    },
    // Keyset pages: each page is an index range scan on (aggregate_id, version) starting after
    // the last version folded, so a long stream is folded page by page in flat memory. Only what
    // a fold needs: parsing metadata and timestamps for every row would cost more than reading it.
    // The aggregate type is compared here ($4: the expected one): a row of the expected type
    // carries null instead of the same string again, one of another type carries that type.
    selectPage: named(
      `SELECT version, ${typeUnless('$4')} AS "aggregateType", event_type AS "eventType", payload ` +
        `FROM ${events} WHERE aggregate_id = $1 AND version > $2 ORDER BY version LIMIT $3`,
      PAGE_COLUMNS,
    ),
    selectStream: named(
      `SELECT id, aggregate_type, event_type, version, payload, metadata, created_at FROM ${events} ` +
        'WHERE aggregate_id = $1 ORDER BY version',
    ),
    // One round trip for an aggregate with a snapshot policy: its snapshot row, whatever its
    // snapshot version (so the caller can tell "outdated" from "none"), and the events after the
    // snapshot that is usable ($2: the class's snapshot version, $3: its aggregate type). The
    // snapshot row is the one without an event type.
    selectHead: named(
      `(SELECT version, aggregate_type AS "aggregateType", NULL::varchar AS "eventType", ` +
        `state AS payload, schema_version AS "schemaVersion" FROM ${snapshots} WHERE aggregate_id = $1) ` +
        `UNION ALL (SELECT version, ${typeUnless('$3')}, event_type, payload, NULL FROM ${events} ` +
        `WHERE aggregate_id = $1 AND version > COALESCE((SELECT version FROM ${snapshots} ` +
        'WHERE aggregate_id = $1 AND schema_version = $2 AND aggregate_type = $3), 0) ' +
        'ORDER BY version LIMIT $4)',
      HEAD_COLUMNS,
    ),
    selectVersion: named(
      `SELECT COALESCE(MAX(version), 0)::int AS version FROM ${events} WHERE aggregate_id = $1`,
    ),
  };
}

/**
 * A row's aggregate type, or null when it is the expected one (`param`). Written as a CASE
 * rather than the equivalent `NULLIF`: under the head statement's UNION ALL, PostgreSQL 15 and
 * 18 spent 17-22 µs more executing a 1,000-row page with `NULLIF` (server execution time, generic
 * plan); on a plain page both cost the same.
 */
function typeUnless(param: string): string {
  return `CASE WHEN aggregate_type = ${param} THEN NULL ELSE aggregate_type END`;
}

function named(text: string, columns?: readonly string[]): NamedSql {
  const name = `tessera_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  return columns ? { name, text, columns } : { name, text };
}
