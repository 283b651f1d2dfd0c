import { DataSource, DataSourceOptions, MigrationInterface } from 'typeorm';
import { TESSERA_MIGRATIONS } from '../../migrations';

/** Options for {@link createTesseraDataSource}. */
export interface TesseraDataSourceOptions {
  /** PostgreSQL connection string, e.g. `postgres://user:pass@host:5432/db`. */
  url: string;
  /** Maximum connections in the pg pool. Default 10. */
  poolSize?: number;
  /** Server-side `statement_timeout` per connection in ms; 0 disables it. Default 30000. */
  statementTimeoutMs?: number;
  /** Reported in `pg_stat_activity.application_name`. Default `tessera`. */
  applicationName?: string;
  /** The application's own entities, if it uses TypeORM for more than events. */
  entities?: DataSourceOptions['entities'];
  /** Application migrations (classes or globs), run after Tessera's own. */
  migrations?: ReadonlyArray<(new () => MigrationInterface) | string>;
  /** Log every SQL statement. Default false. */
  logging?: boolean;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const DEFAULT_APPLICATION_NAME = 'tessera';

/**
 * Builds (but does not initialize) a PostgreSQL DataSource with Tessera's migrations.
 *
 * Schema changes only ever happen through migrations: `synchronize` would let TypeORM
 * "fix" the events table to match entity metadata and drop constraints that the
 * concurrency check depends on.
 *
 * @throws TypeError when an option is out of range.
 */
export function createTesseraDataSource(options: TesseraDataSourceOptions): DataSource {
  validate(options);
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const applicationName = options.applicationName ?? DEFAULT_APPLICATION_NAME;

  return new DataSource({
    type: 'postgres',
    url: options.url,
    // TypeORM copies poolSize to pg's `max` and then Object.assign()s `extra` over it;
    // both are set so the DataSource's own options also report the real pool size.
    poolSize,
    applicationName,
    extra: {
      max: poolSize,
      // Passed through pg.Pool to every pg.Client, which sends it as a startup parameter.
      statement_timeout: statementTimeoutMs,
      application_name: applicationName,
    },
    entities: options.entities ?? [],
    migrations: [...TESSERA_MIGRATIONS, ...(options.migrations ?? [])],
    migrationsRun: false,
    // One transaction per migration: a failing later migration keeps earlier ones applied.
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: options.logging ?? false,
  });
}

function validate(options: TesseraDataSourceOptions): void {
  if (typeof options.url !== 'string' || options.url.trim() === '') {
    throw new TypeError('createTesseraDataSource: `url` must be a non-empty connection string');
  }
  const { poolSize, statementTimeoutMs } = options;
  if (poolSize !== undefined && !(Number.isInteger(poolSize) && poolSize > 0)) {
    throw new TypeError(
      `createTesseraDataSource: \`poolSize\` must be a positive integer, got ${String(poolSize)}`,
    );
  }
  if (
    statementTimeoutMs !== undefined &&
    !(Number.isInteger(statementTimeoutMs) && statementTimeoutMs >= 0)
  ) {
    throw new TypeError(
      'createTesseraDataSource: `statementTimeoutMs` must be a non-negative integer, got ' +
        String(statementTimeoutMs),
    );
  }
}
