const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/**
 * Validates a schema or table name taken from configuration and returns it double-quoted.
 * Only plain identifiers are accepted (letters, digits, `_`, `$`, at most 63 bytes): names are
 * interpolated into SQL text, where bind parameters cannot stand in for them.
 */
export function quoteIdentifier(name: string, what: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new TypeError(
      `${what} ${JSON.stringify(name)} is not a valid identifier: use 1-63 letters, digits, '_' or '$', not starting with a digit`,
    );
  }
  return `"${name}"`;
}

/** `"schema"."table"`, or `"table"` when no schema is given (the search_path decides). */
export function qualifiedTableName(table: string, schema?: string): string {
  const quotedTable = quoteIdentifier(table, 'table name');
  return schema === undefined
    ? quotedTable
    : `${quoteIdentifier(schema, 'schema name')}.${quotedTable}`;
}
