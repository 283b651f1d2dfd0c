import { createHash } from 'node:crypto';

/** A SQL text with the name it is prepared under on each connection. */
export interface NamedSql {
  readonly name: string;
  readonly text: string;
}

/** The statements the event repository runs, built once per table name. */
export interface EventSql {
  readonly insertOne: NamedSql;
  readonly insertMany: NamedSql;
  readonly insertWithSnapshots: NamedSql;
  readonly selectPage: NamedSql;
  readonly selectStream: NamedSql;
  readonly selectSnapshot: NamedSql;
  readonly selectVersion: NamedSql;
}

const EVENT_COLUMNS = 'id, aggregate_id, aggregate_type, event_type, version, payload, metadata';
// Each column is one array parameter: the text stays constant (one prepared plan) whatever the
// number of rows, and the 65,535 bind-parameter limit never applies.
// $8 is each row's stream's expected version, for the gap guard.
const eventArrays = (events: string): string =>
  'SELECT u.id, u.aggregate_id, u.aggregate_type, u.event_type, CASE WHEN u.expected = 0 OR u.version > u.expected + 1 ' +
  `OR EXISTS (SELECT 1 FROM ${events} e WHERE e.aggregate_id = u.aggregate_id AND e.version = u.expected) ` +
  'THEN u.version END, u.payload, u.metadata FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::varchar[], ' +
  '$5::int[], $6::jsonb[], $7::jsonb[], $8::int[]) ' +
  'AS u(id, aggregate_id, aggregate_type, event_type, version, payload, metadata, expected)';

/**
 * Builds the repository's SQL for the (validated, quoted) table names. Every value is a bind
 * parameter; only table names are text.
 */
export function buildEventSql(events: string, snapshots: string): EventSql {
  return {
    // The CASE turns a save whose aggregate claims versions the stream does not have (a stale
    // instance from another store, a stream cut by archival) into a NOT NULL violation on
    // `version`: the statement fails whole instead of writing a gap.
    insertOne: named(
      `INSERT INTO ${events} (${EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, ` +
        `CASE WHEN $5::int = 1 OR EXISTS (SELECT 1 FROM ${events} WHERE aggregate_id = $2::uuid AND version = $5::int - 1) ` +
        'THEN $5::int END, $6, $7)',
    ),
    insertMany: named(`INSERT INTO ${events} (${EVENT_COLUMNS}) ${eventArrays(events)}`),
    // Events and snapshots in one statement, so one transaction and one round trip: if the
    // events hit a version conflict the statement fails and no snapshot is written. The upsert
    // concerns snapshots only (a cache); event inserts never use ON CONFLICT.
    insertWithSnapshots: named(
      `WITH appended AS (INSERT INTO ${events} (${EVENT_COLUMNS}) ${eventArrays(events)} RETURNING 1) ` +
        `INSERT INTO ${snapshots} AS s (aggregate_id, aggregate_type, version, schema_version, state) ` +
        'SELECT * FROM unnest($9::uuid[], $10::varchar[], $11::int[], $12::int[], $13::jsonb[]) ' +
        'ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_type = EXCLUDED.aggregate_type, ' +
        'version = EXCLUDED.version, schema_version = EXCLUDED.schema_version, state = EXCLUDED.state, ' +
        'created_at = now() WHERE s.version < EXCLUDED.version OR s.schema_version <> EXCLUDED.schema_version',
    ),
    // Keyset pages: each page is an index range scan on (aggregate_id, version) starting after
    // the last version folded, so a long stream is folded page by page in flat memory.
    // Only what a fold needs: parsing metadata and timestamps for every row would cost more
    // than reading it.
    selectPage: named(
      `SELECT version, aggregate_type, event_type, payload FROM ${events} ` +
        'WHERE aggregate_id = $1 AND version > $2 ORDER BY version LIMIT $3',
    ),
    selectStream: named(
      `SELECT id, aggregate_type, event_type, version, payload, metadata, created_at FROM ${events} ` +
        'WHERE aggregate_id = $1 ORDER BY version',
    ),
    selectSnapshot: named(
      `SELECT aggregate_type, version, schema_version, state FROM ${snapshots} WHERE aggregate_id = $1`,
    ),
    selectVersion: named(
      `SELECT COALESCE(MAX(version), 0)::int AS version FROM ${events} WHERE aggregate_id = $1`,
    ),
  };
}

function named(text: string): NamedSql {
  return { name: `tessera_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text };
}
