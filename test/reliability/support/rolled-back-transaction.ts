import type { DataSource } from 'typeorm';

/** Runs statements on one connection inside one transaction. */
export interface TransactionSession {
  /** Runs a statement; a failure aborts the transaction (use {@link TransactionSession.attempt}). */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Runs a statement under a savepoint and returns its error (or undefined on success), leaving
   * the transaction usable either way.
   */
  attempt(sql: string, params?: readonly unknown[]): Promise<unknown>;
}

/**
 * Runs `work` in a transaction that is always rolled back: roles created, grants given and rows
 * changed inside leave no trace, even on a shared server.
 */
export async function inRolledBackTransaction<T>(
  dataSource: DataSource,
  work: (session: TransactionSession) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  let savepoints = 0;
  const query = async <R>(sql: string, params: readonly unknown[] = []): Promise<R[]> =>
    (await runner.query(sql, [...params])) as R[];
  const session: TransactionSession = {
    query,
    async attempt(sql, params = []) {
      const name = `attempt_${++savepoints}`;
      await query(`SAVEPOINT ${name}`);
      try {
        await query(sql, params);
        await query(`RELEASE SAVEPOINT ${name}`);
        return undefined;
      } catch (error) {
        await query(`ROLLBACK TO SAVEPOINT ${name}`);
        return error;
      }
    },
  };
  try {
    await runner.startTransaction();
    return await work(session);
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}
