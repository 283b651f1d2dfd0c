import type { DataSource } from 'typeorm';
import { quoteIdentifier } from '../../infrastructure/sql/sql-identifier';

/** One migration the DataSource knows, and whether the database has run it. */
export interface MigrationState {
  readonly name: string;
  readonly applied: boolean;
}

/**
 * Every migration of the DataSource in order, each marked applied or pending, read from
 * TypeORM's migrations table (missing: nothing applied yet).
 */
export async function migrationStates(dataSource: DataSource): Promise<MigrationState[]> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const [{ exists }] = await dataSource.query<{ exists: boolean }[]>(
    'SELECT to_regclass($1) IS NOT NULL AS exists',
    [table],
  );
  const applied = new Set<string>();
  if (exists) {
    const rows = await dataSource.query<{ name: string }[]>(
      `SELECT name FROM ${quoteIdentifier(table, 'migrations table')}`,
    );
    for (const row of rows) applied.add(row.name);
  }
  return dataSource.migrations.map((migration) => {
    const name = migration.name ?? migration.constructor.name;
    return { name, applied: applied.has(name) };
  });
}
