/** The statements the event repository runs, built once per table name. */
export interface EventSql {
  readonly insertOne: string;
  readonly insertMany: string;
  readonly selectStream: string;
  readonly selectVersion: string;
}

/**
 * Builds the repository's SQL for one (validated, quoted) table name. Every value is a bind
 * parameter; only the table name is text.
 */
export function buildEventSql(table: string): EventSql {
  const columns = 'id, aggregate_id, aggregate_type, event_type, version, payload, metadata';
  return {
    insertOne: `INSERT INTO ${table} (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    // One statement for any number of rows: the text stays constant (one cached plan) and the
    // 65,535 bind-parameter limit does not apply, because each column is one array parameter.
    insertMany:
      `INSERT INTO ${table} (${columns}) SELECT * FROM unnest(` +
      '$1::uuid[], $2::uuid[], $3::varchar[], $4::varchar[], $5::int[], $6::jsonb[], $7::jsonb[])',
    selectStream:
      `SELECT id, aggregate_type, event_type, version, payload, metadata, created_at FROM ${table} ` +
      'WHERE aggregate_id = $1 AND version > $2 ORDER BY version',
    selectVersion: `SELECT COALESCE(MAX(version), 0)::int AS version FROM ${table} WHERE aggregate_id = $1`,
  };
}
