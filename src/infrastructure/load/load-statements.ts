import { namedSql, type BoundStatement, type NamedSql } from '../sql/named-sql';
import type { StreamRange } from '../../domain/repository/read-stream-options';

/** The columns of a page's rows, read as arrays in this order (see {@link LoadStatements.page}). */
export const PAGE_COLUMNS = [
  'version',
  'aggregateType',
  'eventType',
  'payload',
  'schemaVersion',
] as const;
/** The head statement's rows have a page's columns; the snapshot row's schema version is its own. */
export const HEAD_COLUMNS = PAGE_COLUMNS;

/**
 * The statements a load runs, for the (validated, quoted) table names: each one's text is fixed
 * per table, and each method returns it with its parameters in placeholder order.
 */
export class LoadStatements {
  readonly #page: NamedSql;
  readonly #head: NamedSql;
  readonly #stream: NamedSql;
  readonly #firstAfter: NamedSql;
  readonly #range: NamedSql;
  readonly #rangeBackwards: NamedSql;
  readonly #event: NamedSql;

  /**
   * @param archive the archive table (same columns): `stream` reads it too, and a load reads the
   * events before a stream's first hot version from it through {@link LoadStatements.archived}.
   */
  constructor(events: string, snapshots: string, archive?: string) {
    // Keyset pages: each page is an index range scan on (aggregate_id, version) starting after
    // the last version folded, so a long stream is folded page by page in flat memory. Only what
    // a fold needs: parsing metadata and timestamps for every row would cost more than reading it.
    // The aggregate type is compared here ($4: the expected one): a row of the expected type
    // carries null instead of the same string again, one of another type carries that type.
    // The schema version comes as text, not cast: a malformed one reaches the decoder to be
    // named instead of failing the whole page's statement.
    this.#page = namedSql(
      `SELECT version, ${typeUnless('$4')} AS "aggregateType", event_type AS "eventType", payload, ` +
        `${SCHEMA_VERSION} AS "schemaVersion" ` +
        `FROM ${events} WHERE aggregate_id = $1 AND version > $2 ORDER BY version LIMIT $3`,
      PAGE_COLUMNS,
    );
    // One round trip for an aggregate with a snapshot policy: its snapshot row, whatever its
    // snapshot version (so the caller can tell "outdated" from "none"), and the events after the
    // snapshot that is usable ($2: the class's snapshot version, $3: its aggregate type). The
    // snapshot row is the one without an event type.
    this.#head = namedSql(
      `(SELECT version, aggregate_type AS "aggregateType", NULL::varchar AS "eventType", ` +
        `state AS payload, schema_version::text AS "schemaVersion" FROM ${snapshots} WHERE aggregate_id = $1) ` +
        `UNION ALL (SELECT version, ${typeUnless('$3')}, event_type, payload, ${SCHEMA_VERSION} FROM ${events} ` +
        `WHERE aggregate_id = $1 AND version > COALESCE((SELECT version FROM ${snapshots} ` +
        'WHERE aggregate_id = $1 AND schema_version = $2 AND aggregate_type = $3), 0) ' +
        'ORDER BY version LIMIT $4)',
      HEAD_COLUMNS,
    );
    // Compared to the millisecond: a JavaScript Date has no finer time, so a stored event's own
    // created_at, read back and passed as asOf, includes that event.
    // Reads of a stream as stored (ranges, one event, time travel's cut) see archived events too.
    const columns =
      'id, aggregate_id, aggregate_type, event_type, version, payload, metadata, created_at';
    const stored =
      archive === undefined
        ? events
        : `(SELECT ${columns} FROM ${archive} UNION ALL SELECT ${columns} FROM ${events}) AS stored`;
    this.#firstAfter = namedSql(
      `SELECT MIN(version) AS version FROM ${stored} ` +
        "WHERE aggregate_id = $1 AND date_trunc('milliseconds', created_at) > $2",
      ['version'],
    );
    const envelope =
      'id, aggregate_id::text, aggregate_type, event_type, version, payload, metadata, created_at';
    const range = `SELECT ${envelope} FROM ${stored} WHERE aggregate_id = $1 AND version BETWEEN $2 AND $3 `;
    this.#range = namedSql(`${range}ORDER BY version LIMIT $4`);
    this.#rangeBackwards = namedSql(`${range}ORDER BY version DESC LIMIT $4`);
    this.#event = namedSql(`SELECT ${envelope} FROM ${stored} WHERE id = $1`);
    const streamColumns = 'id, aggregate_type, event_type, version, payload, metadata, created_at';
    this.#stream = namedSql(
      archive === undefined
        ? `SELECT ${streamColumns} FROM ${events} WHERE aggregate_id = $1 ORDER BY version`
        : `SELECT ${streamColumns} FROM ${archive} WHERE aggregate_id = $1 UNION ALL ` +
            `SELECT ${streamColumns} FROM ${events} WHERE aggregate_id = $1 ORDER BY version`,
    );
    this.archived = archive === undefined ? undefined : new LoadStatements(archive, snapshots);
  }

  /** The same statements on the archive table, when there is one. */
  readonly archived: LoadStatements | undefined;

  /** Up to `limit` events of the stream after version `after`, with the aggregate type test. */
  page(aggregateId: string, after: number, limit: number, aggregateType: string): BoundStatement {
    return { sql: this.#page, params: [aggregateId, after, limit, aggregateType] };
  }

  /** The snapshot row (if any) and up to `limit` events after the usable snapshot. */
  head(
    aggregateId: string,
    snapshotVersion: number,
    aggregateType: string,
    limit: number,
  ): BoundStatement {
    return { sql: this.#head, params: [aggregateId, snapshotVersion, aggregateType, limit] };
  }

  /** The first version of the stream stored after `asOf` (null when none was). */
  firstVersionAfter(aggregateId: string, asOf: Date): BoundStatement {
    return { sql: this.#firstAfter, params: [aggregateId, asOf] };
  }

  /** The stream's events in a range of versions, in either direction, at most `maxCount`. */
  range(aggregateId: string, range: StreamRange): BoundStatement {
    return {
      sql: range.backwards ? this.#rangeBackwards : this.#range,
      params: [aggregateId, range.fromVersion, range.toVersion, range.maxCount],
    };
  }

  /** One event with its envelope, by its id. */
  event(eventId: string): BoundStatement {
    return { sql: this.#event, params: [eventId] };
  }

  /** Every stored event of the stream with its envelope, in version order. */
  stream(aggregateId: string): BoundStatement {
    return { sql: this.#stream, params: [aggregateId] };
  }
}

/** An event row's stored schema version (see docs/schema-evolution.md). */
const SCHEMA_VERSION = `metadata->>'schemaVersion'`;

/**
 * A row's aggregate type, or null when it is the expected one (`param`). Written as a CASE
 * rather than the equivalent `NULLIF`, which PostgreSQL executes more slowly under the head
 * statement's UNION ALL (docs/performance.md).
 */
function typeUnless(param: string): string {
  return `CASE WHEN aggregate_type = ${param} THEN NULL ELSE aggregate_type END`;
}
