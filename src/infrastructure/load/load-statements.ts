import { namedSql, type BoundStatement, type NamedSql } from '../sql/named-sql';

/** The columns of a page's rows, read as arrays in this order (see {@link LoadStatements.page}). */
export const PAGE_COLUMNS = ['version', 'aggregateType', 'eventType', 'payload'] as const;
/** The columns of the head statement's rows: a page's, and the snapshot's schema version. */
export const HEAD_COLUMNS = [...PAGE_COLUMNS, 'schemaVersion'] as const;

/**
 * The statements a load runs, for the (validated, quoted) table names: each one's text is fixed
 * per table, and each method returns it with its parameters in placeholder order.
 */
export class LoadStatements {
  readonly #page: NamedSql;
  readonly #head: NamedSql;
  readonly #stream: NamedSql;

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
    this.#page = namedSql(
      `SELECT version, ${typeUnless('$4')} AS "aggregateType", event_type AS "eventType", payload ` +
        `FROM ${events} WHERE aggregate_id = $1 AND version > $2 ORDER BY version LIMIT $3`,
      PAGE_COLUMNS,
    );
    // One round trip for an aggregate with a snapshot policy: its snapshot row, whatever its
    // snapshot version (so the caller can tell "outdated" from "none"), and the events after the
    // snapshot that is usable ($2: the class's snapshot version, $3: its aggregate type). The
    // snapshot row is the one without an event type.
    this.#head = namedSql(
      `(SELECT version, aggregate_type AS "aggregateType", NULL::varchar AS "eventType", ` +
        `state AS payload, schema_version AS "schemaVersion" FROM ${snapshots} WHERE aggregate_id = $1) ` +
        `UNION ALL (SELECT version, ${typeUnless('$3')}, event_type, payload, NULL FROM ${events} ` +
        `WHERE aggregate_id = $1 AND version > COALESCE((SELECT version FROM ${snapshots} ` +
        'WHERE aggregate_id = $1 AND schema_version = $2 AND aggregate_type = $3), 0) ' +
        'ORDER BY version LIMIT $4)',
      HEAD_COLUMNS,
    );
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

  /** Every stored event of the stream with its envelope, in version order. */
  stream(aggregateId: string): BoundStatement {
    return { sql: this.#stream, params: [aggregateId] };
  }
}

/**
 * A row's aggregate type, or null when it is the expected one (`param`). Written as a CASE
 * rather than the equivalent `NULLIF`, which PostgreSQL executes more slowly under the head
 * statement's UNION ALL (docs/performance.md).
 */
function typeUnless(param: string): string {
  return `CASE WHEN aggregate_type = ${param} THEN NULL ELSE aggregate_type END`;
}
