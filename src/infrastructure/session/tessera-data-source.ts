import { DataSource, DataSourceOptions, MigrationInterface } from 'typeorm';
import { TESSERA_MIGRATIONS } from '../../migrations';
import { StatementTimeoutNotInForceError } from './statement-timeout-not-in-force-error';

/**
 * How connections reach PostgreSQL: `direct` (or through a session-mode pooler) keeps a server
 * session per connection; `transaction` is a transaction-mode pooler such as PgBouncer, where
 * consecutive transactions of one connection may run on different server sessions.
 */
export type PoolingMode = 'direct' | 'transaction';

/** Options for {@link createTesseraDataSource}. */
export interface TesseraDataSourceOptions {
  /** PostgreSQL connection string, e.g. `postgres://user:pass@host:5432/db`. */
  url: string;
  /** Maximum connections in the pg pool. Default 10. */
  poolSize?: number;
  /**
   * Server-side `statement_timeout` per connection in ms; 0 disables it. Default 30000. Sent as a
   * startup parameter on direct connections; behind a transaction-mode pooler it must be the
   * role's or database's setting, which `initialize()` checks (docs/operations.md).
   */
  statementTimeoutMs?: number;
  /**
   * Whether a transaction-mode pooler (PgBouncer) sits between the application and PostgreSQL.
   * Detected when omitted: a pooler that refuses the `statement_timeout` startup parameter
   * switches the data source to `transaction`. In that mode no startup parameter is sent, the
   * timeout the server applies is checked, statements run unnamed and projection runners lead
   * through a lease instead of a session lock.
   */
  pooling?: PoolingMode;
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

  const extra: Record<string, unknown> = {
    max: poolSize,
    // Passed through pg.Pool to every pg.Client, which sends it as a startup parameter.
    statement_timeout: statementTimeoutMs,
    application_name: applicationName,
  };
  return new TesseraDataSource(
    {
      type: 'postgres',
      url: options.url,
      // TypeORM copies poolSize to pg's `max` and then Object.assign()s `extra` over it;
      // both are set so the DataSource's own options also report the real pool size.
      poolSize,
      applicationName,
      extra,
      entities: options.entities ?? [],
      migrations: [...TESSERA_MIGRATIONS, ...(options.migrations ?? [])],
      migrationsRun: false,
      // One transaction per migration: a failing later migration keeps earlier ones applied.
      migrationsTransactionMode: 'each',
      synchronize: false,
      logging: options.logging ?? false,
    },
    options.pooling,
    statementTimeoutMs,
  );
}

/**
 * The pooling mode of a data source made by {@link createTesseraDataSource} once initialized;
 * undefined for any other DataSource (whose statements then learn it, see PgSession).
 */
export function poolingOf(dataSource: DataSource): PoolingMode | undefined {
  return dataSource instanceof TesseraDataSource ? dataSource.pooling : undefined;
}

/** A DataSource that finds out at `initialize()` whether it sits behind a transaction pooler. */
class TesseraDataSource extends DataSource {
  #pooling: PoolingMode | undefined;
  readonly #statementTimeoutMs: number;

  constructor(options: DataSourceOptions, pooling: PoolingMode | undefined, timeoutMs: number) {
    super(options);
    this.#pooling = pooling;
    this.#statementTimeoutMs = timeoutMs;
  }

  /** The mode found (or configured); undefined before the first `initialize()`. */
  get pooling(): PoolingMode | undefined {
    return this.#pooling;
  }

  override async initialize(): Promise<this> {
    if (this.#pooling === 'transaction') return this.#initializePooled();
    try {
      await super.initialize();
    } catch (error) {
      if (this.#pooling === 'direct' || !rejectsStartupParameter(error)) throw error;
      this.#pooling = 'transaction';
      return this.#initializePooled();
    }
    this.#pooling = 'direct';
    return this;
  }

  /**
   * A startup parameter would be refused, and a `SET` would stay on whichever server session ran
   * it: the timeout can only be the role's or the database's, so it is checked, never assumed.
   */
  async #initializePooled(): Promise<this> {
    const { statement_timeout: _sent, ...extra } = (this.options.extra ?? {}) as Record<
      string,
      unknown
    >;
    this.setOptions({ extra });
    await super.initialize();
    const rows = await this.query<{ ms: string; role: string; database: string }[]>(
      "SELECT setting AS ms, current_user AS role, current_database() AS database FROM pg_settings WHERE name = 'statement_timeout'",
    );
    const inForceMs = Number(rows[0].ms);
    if (inForceMs !== this.#statementTimeoutMs) {
      await this.destroy();
      throw new StatementTimeoutNotInForceError(
        this.#statementTimeoutMs,
        inForceMs,
        rows[0].role,
        rows[0].database,
      );
    }
    return this;
  }
}

/** PgBouncer's answer to a startup parameter it does not track (`08P01`). */
function rejectsStartupParameter(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === '08P01' &&
    error.message.includes('unsupported startup parameter')
  );
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
