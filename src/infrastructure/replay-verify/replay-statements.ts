import { namedSql, type BoundStatement, type NamedSql } from '../sql/named-sql';

/** A row of the replay scan, in {@link REPLAY_COLUMNS} order. */
export type ReplayRow = [
  aggregateId: string,
  aggregateType: string,
  version: number,
  eventType: string,
  payload: unknown,
  schemaVersion: string | null,
];

const REPLAY_COLUMNS = [
  'aggregateId',
  'aggregateType',
  'version',
  'eventType',
  'payload',
  'schemaVersion',
] as const;

// Sampling keeps a stream when its id's hash, folded into 0..9999, is below this many parts.
const SAMPLE_PARTS = 10_000;

/** The statements of `verifyReplay`, for one (validated, quoted) events table. */
export class ReplayStatements {
  readonly #page: NamedSql;
  readonly #estimate: NamedSql;
  readonly #events: string;

  constructor(events: string) {
    this.#events = events;
    // One pass over the whole table in (aggregate_id, version) order: a range scan of the
    // unique constraint's index, each page starting after the last row read.
    this.#page = namedSql(
      'SELECT e.aggregate_id::text AS "aggregateId", e.aggregate_type, e.version, e.event_type, ' +
        `e.payload, e.metadata->>'schemaVersion' FROM ${events} e ` +
        'WHERE (e.aggregate_id, e.version) > ($1::uuid, $2::int) ' +
        'AND ($4::varchar IS NULL OR e.aggregate_type = $4::varchar) ' +
        `AND ($5::int IS NULL OR (hashtext(e.aggregate_id::text) & 2147483647) % ${SAMPLE_PARTS} < $5::int) ` +
        // Qualified: a bare aggregate_id would sort by the text output column, not the index.
        'ORDER BY e.aggregate_id, e.version LIMIT $3',
      REPLAY_COLUMNS,
    );
    this.#estimate = namedSql(
      'SELECT GREATEST(reltuples, 0)::float8 FROM pg_class WHERE oid = to_regclass($1)',
      ['estimate'],
    );
  }

  /** Up to `limit` rows after `after` (an aggregate id and version), filtered as asked. */
  page(
    after: readonly [string, number],
    limit: number,
    aggregateType: string | undefined,
    sample: number | undefined,
  ): BoundStatement {
    const parts = sample === undefined ? null : Math.max(1, Math.round(sample * SAMPLE_PARTS));
    return {
      sql: this.#page,
      params: [after[0], after[1], limit, aggregateType ?? null, parts],
    };
  }

  /** The planner's row count of the events table. */
  estimate(): BoundStatement {
    return { sql: this.#estimate, params: [this.#events] };
  }
}
