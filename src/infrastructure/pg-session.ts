import type { DataSource, EntityManager } from 'typeorm';

/** The part of a node-postgres client the repository uses. */
interface PgClient {
  query(text: string, values?: readonly unknown[]): Promise<{ rows: unknown[] }>;
}

/** TypeORM's PostgreSQL driver, reduced to its pool access. */
interface PooledDriver {
  obtainMasterConnection(): Promise<[PgClient, (error?: unknown) => void]>;
}

/**
 * Runs the repository's statements. Outside a caller's transaction it borrows a connection from
 * TypeORM's own pg pool (the driver's, so pool size, timeouts and shutdown stay TypeORM's) and
 * sends one statement in autocommit: one round trip, one transaction. Inside a caller's
 * transaction it goes through that EntityManager's QueryRunner, wrapping writes in a savepoint so
 * a rejected append leaves the caller's transaction usable.
 */
export class PgSession {
  readonly #dataSource: DataSource;

  constructor(dataSource: DataSource) {
    this.#dataSource = dataSource;
  }

  /** Runs a read and returns its rows. */
  async query<R>(sql: string, params: readonly unknown[], manager?: EntityManager): Promise<R[]> {
    if (manager) return (await manager.query(sql, params as unknown[])) as R[];
    return this.#withClient(async (client) => (await client.query(sql, params)).rows as R[]);
  }

  /** Runs a write: autocommit on the pool, or within a savepoint of the caller's transaction. */
  async execute(sql: string, params: readonly unknown[], manager?: EntityManager): Promise<void> {
    if (!manager) {
      await this.#withClient((client) => client.query(sql, params));
      return;
    }
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) {
      await manager.query(sql, params as unknown[]);
      return;
    }
    await runner.query('SAVEPOINT tessera_append');
    try {
      await runner.query(sql, params as unknown[]);
    } catch (error) {
      await runner.query('ROLLBACK TO SAVEPOINT tessera_append');
      throw error;
    }
    await runner.query('RELEASE SAVEPOINT tessera_append');
  }

  async #withClient<T>(work: (client: PgClient) => Promise<T>): Promise<T> {
    const driver = this.#dataSource.driver as unknown as PooledDriver;
    const [client, release] = await driver.obtainMasterConnection();
    try {
      const result = await work(client);
      release();
      return result;
    } catch (error) {
      // A statement error (a conflict, say) leaves the connection healthy: keep it pooled. Only a
      // broken connection is handed back with the error, so pg-pool discards it.
      release(isConnectionError(error) ? error : undefined);
      throw error;
    }
  }
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // Errors with a SQLSTATE come from a live server; anything else (ECONNRESET, a terminated
  // connection, a client-side timeout) means the connection can no longer be trusted.
  return (
    !(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) ||
    code.startsWith('57P') ||
    code.startsWith('08')
  );
}
