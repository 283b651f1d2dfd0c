import { Query, type PoolClient, type QueryArrayConfig } from 'pg';

/** A statement prepared once per connection under its name. */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/**
 * Runs a named statement on a checked-out client through pg's callback interface, as tessera's
 * PgSession sends it: a `Query` built from the text and named afterwards (pg copies a config
 * object's properties on every call), or built from a config where the array row mode needs
 * one. Resolves with the rows (arrays with `arrays`).
 */
export function runNamed(
  client: PoolClient,
  sql: NamedStatement,
  values: readonly unknown[],
  arrays = false,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const callback = (error: Error | undefined, result: { rows: unknown[] }): void =>
      error ? reject(error) : resolve(result.rows);
    const query: Query & { name?: string } = arrays
      ? new Query(arrayConfig(sql), values as unknown[], callback)
      : new Query(sql.text, values as unknown[], callback);
    if (!arrays) query.name = sql.name;
    client.query(query);
  });
}

function arrayConfig(sql: NamedStatement): QueryArrayConfig {
  return { text: sql.text, name: sql.name, rowMode: 'array' };
}
