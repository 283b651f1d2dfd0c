import type { EventEmitter } from 'node:events';
import type { DataSource, EntityManager } from 'typeorm';
import type { NamedSql } from '../sql/named-sql';
import { poolingOf } from './tessera-data-source';

// SQLSTATEs of a named statement missing from, or already on, the server session.
const UNDEFINED_PREPARED_STATEMENT = '26000';
const DUPLICATE_PREPARED_STATEMENT = '42P05';

/** The part of a node-postgres client the repository uses. */
interface PgClient {
  query(
    config: { text: string; values?: readonly unknown[]; name?: string; rowMode?: 'array' },
    callback: QueryCallback,
  ): void;
  query(query: PgQuery): void;
}

type QueryCallback = (error: Error | null, result: { rows: unknown[] }) => void;

/** pg's Query (a submittable), as `Client.Query` exposes it. */
interface PgQuery extends Pick<EventEmitter, 'on'> {
  name?: string;
  submit(connection: unknown): unknown;
}
/** The constructor of a pg Query (`Client.Query`). */
export type PgQueryClass = new (
  textOrConfig: string | { text: string; name?: string; rowMode?: 'array' },
  values: readonly unknown[],
  callback?: QueryCallback,
) => PgQuery;

/** A query function bound to one connection. */
export type BoundQuery = <R>(sql: NamedSql, params: readonly unknown[]) => Promise<R[]>;

/**
 * A query function bound to one connection that hands each row to `onRow` as it arrives and
 * resolves with the number of rows. Rows are not collected: once `onRow` returns, a row is
 * garbage. If `onRow` throws, later rows are skipped and the promise rejects with that error
 * once the statement has finished (the connection stays usable).
 */
export type EachRow = <R>(
  sql: NamedSql,
  params: readonly unknown[],
  onRow: (row: R) => void,
) => Promise<number>;

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
 *
 * Statements that carry a name are prepared once per connection under it, except behind a
 * transaction-mode pooler, which cannot follow a named statement from one transaction to the
 * next. A data source made by createTesseraDataSource knows whether it sits behind one; for any
 * other, the first statement that meets a pooled server session without its statement (26000) or
 * with it already there (42P05) reveals it: nothing ran, so the statement is sent again unnamed
 * and this session prepares nothing from then on. Names are derived from the statement text, so
 * a name found on another session always stands for the same text.
 */
export class PgSession {
  #prepare: boolean;

  constructor(
    private readonly dataSource: DataSource,
    prepare: boolean,
  ) {
    this.#prepare = prepare;
  }

  /** Whether statements are sent under their names right now. */
  get prepares(): boolean {
    return this.#prepare && poolingOf(this.dataSource) !== 'transaction';
  }

  /** Runs a read and returns its rows. */
  async query<R>(sql: NamedSql, params: readonly unknown[], manager?: EntityManager): Promise<R[]> {
    if (manager) {
      const rows = await manager.query<unknown[]>(sql.text, params as unknown[]);
      return (sql.columns ? rows.map((row) => asArray(row, sql.columns!)) : rows) as R[];
    }
    return this.withClient((client) => this.#run<R>(client, sql, params));
  }

  /** Runs a write: autocommit on the pool, or within a savepoint of the caller's transaction. */
  async execute(sql: NamedSql, params: readonly unknown[], manager?: EntityManager): Promise<void> {
    if (!manager) {
      await this.withClient((client) => this.#run(client, sql, params));
      return;
    }
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) {
      await manager.query(sql.text, params as unknown[]);
      return;
    }
    await runner.query('SAVEPOINT tessera_append');
    try {
      await runner.query(sql.text, params as unknown[]);
    } catch (error) {
      await runner.query('ROLLBACK TO SAVEPOINT tessera_append');
      throw error;
    }
    await runner.query('RELEASE SAVEPOINT tessera_append');
  }

  /**
   * Runs `work` on one pooled connection, or on the caller's transaction when a manager is
   * given, passing query functions bound to it (for multi-statement reads such as paging). On a
   * pooled connection `each` streams rows; through a caller's EntityManager (TypeORM collects
   * the rows) it walks the collected rows.
   */
  async session<T>(
    manager: EntityManager | undefined,
    work: (query: BoundQuery, each: EachRow) => Promise<T>,
  ): Promise<T> {
    if (manager) {
      const query: BoundQuery = (sql, params) => this.query(sql, params, manager);
      const each: EachRow = async <R>(
        sql: NamedSql,
        params: readonly unknown[],
        onRow: (row: R) => void,
      ) => walk(await query<R>(sql, params), onRow);
      return work(query, each);
    }
    return this.withClient((client) =>
      work(
        <R>(sql: NamedSql, params: readonly unknown[]) => this.#run<R>(client, sql, params),
        <R>(sql: NamedSql, params: readonly unknown[], onRow: (row: R) => void) =>
          this.#each<R>(client, sql, params, onRow),
      ),
    );
  }

  /**
   * One statement on a checked-out client, through pg's callback interface: through pg's promise
   * interface each 1,000-row page outlived a young-generation collection and was promoted, so
   * long loads spent much of their time in the garbage collector (docs/performance.md).
   */
  #run<R>(client: PgClient, sql: NamedSql, values: readonly unknown[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      const send = (prepare: boolean): void => {
        const callback: QueryCallback = (error, result) => {
          if (error) {
            if (prepare && this.#lostStatement(error)) return send(false);
            if (typeof error === 'object') fromPg.add(error);
            reject(error);
          } else resolve(result.rows as R[]);
        };
        // pg copies a config object's property descriptors on every call; a Query built from the
        // text, named afterwards, is submitted as it is.
        const Query = (client.constructor as { Query?: PgQueryClass }).Query;
        if (!Query) {
          const config = {
            name: prepare ? sql.name : undefined,
            text: sql.text,
            values,
            rowMode: sql.columns ? ('array' as const) : undefined,
          };
          client.query(config, callback);
          return;
        }
        client.query(newQuery(Query, sql, values, prepare, callback));
      };
      send(this.prepares);
    });
  }

  /**
   * True (and statements go unnamed from now on) when a named statement met a server session
   * of a transaction pooler that lacks it or already has it: the server ran nothing.
   */
  #lostStatement(error: Error): boolean {
    const code = (error as { code?: unknown }).code;
    if (code !== UNDEFINED_PREPARED_STATEMENT && code !== DUPLICATE_PREPARED_STATEMENT)
      return false;
    this.#prepare = false;
    return true;
  }

  /**
   * One statement whose rows go to `onRow` as pg parses them, none kept: a long page costs the
   * memory of one row, and no row lives long enough to be promoted out of V8's young
   * generation (collected pages are, and over a long stream they grow the young generation to
   * its limit). pg hands each row to 'row' listeners, with its result, before it adds
   * the row to that result; emptying the result's rows there keeps at most one. The callback
   * stays, so errors and pg's `query_timeout` reach this promise as they reach {@link #run}'s.
   */
  #each<R>(
    client: PgClient,
    sql: NamedSql,
    values: readonly unknown[],
    onRow: (row: R) => void,
  ): Promise<number> {
    const Query = (client.constructor as { Query?: PgQueryClass }).Query;
    if (!streamsRows(Query)) {
      return this.#run<R>(client, sql, values).then((rows) => walk(rows, onRow));
    }
    return new Promise<number>((resolve, reject) => {
      let count = 0;
      let failure: { error: unknown } | undefined;
      let settled = false;
      const send = (prepare: boolean): void => {
        const query = newQuery(Query, sql, values, prepare, (error) => {
          // A statement the pooled session lacks fails before its first row.
          if (error && prepare && count === 0 && !failure && this.#lostStatement(error)) {
            return send(false);
          }
          // pg's query_timeout calls back before the statement ends: later rows go nowhere.
          settled = true;
          if (error) {
            if (typeof error === 'object') fromPg.add(error);
            reject(error);
          } else if (failure) {
            // What a fold handler threw reaches the caller as it was thrown.
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
            reject(failure.error);
          } else resolve(count);
        });
        // pg emits rows from its socket reader: an exception thrown here would escape into it.
        query.on('row', (row: R, result: { rows: unknown[] }) => {
          result.rows.length = 0;
          if (failure || settled) return;
          count += 1;
          try {
            onRow(row);
          } catch (error) {
            failure = { error };
          }
        });
        client.query(query);
      };
      send(this.prepares);
    });
  }

  private async withClient<T>(work: (client: PgClient) => Promise<T>): Promise<T> {
    const driver = this.dataSource.driver as unknown as PooledDriver;
    const [client, release] = await driver.obtainMasterConnection();
    guardAgainstUnhandledErrors(driver, client);
    try {
      const result = await work(client);
      release();
      return result;
    } catch (error) {
      // A statement error (a conflict, say) or an error of the work itself (a bad stored event
      // found while folding) leaves the connection healthy: keep it pooled. Only a broken
      // connection is handed back with the error, so pg-pool discards it.
      release(isConnectionError(error) ? error : undefined);
      // pg raised it while reading the socket: give it the caller's (async) stack, as pg's
      // promise interface does, so a failure points at the code that ran the statement.
      if (error instanceof Error && fromPg.has(error)) Error.captureStackTrace(error);
      throw error;
    }
  }
}

/**
 * True for pg's own (JavaScript) Query, which parses rows off the socket one by one and emits
 * each before adding it to its result. pg's NativeQuery (TypeORM picks pg's native client when
 * pg-native is installed) receives a whole result from libpq and emits its rows by iterating
 * that result's own array, which emptying it in a listener would cut short: its rows are
 * collected and walked instead.
 */
export function streamsRows(Query: PgQueryClass | undefined): Query is PgQueryClass {
  return (
    typeof (Query?.prototype as { handleDataRow?: unknown } | undefined)?.handleDataRow ===
    'function'
  );
}

/**
 * A pg Query for `sql`, named when statements are prepared. Built from the text, it is
 * submitted as it is: pg copies a config object's property descriptors, a cost paid only by
 * reads that take their rows as arrays (pg reads the row mode from the config alone).
 */
function newQuery(
  Query: PgQueryClass,
  sql: NamedSql,
  values: readonly unknown[],
  prepare: boolean,
  callback: QueryCallback,
): PgQuery {
  const name = prepare ? sql.name : undefined;
  if (sql.columns) return new Query({ text: sql.text, name, rowMode: 'array' }, values, callback);
  const query = new Query(sql.text, values, callback);
  if (name !== undefined) query.name = name;
  return query;
}

/** A row TypeORM returned as an object, as the array pg's array row mode would give. */
function asArray(row: unknown, columns: readonly string[]): unknown[] {
  const record = row as Record<string, unknown>;
  return columns.map((column) => record[column]);
}

/** Hands each collected row to `onRow`; the row count. */
function walk<R>(rows: R[], onRow: (row: R) => void): number {
  for (const row of rows) onRow(row);
  return rows.length;
}

/** Errors pg reported for a statement (as opposed to errors of the caller's work). */
const fromPg = new WeakSet<object>();

/**
 * True for an error of a connection that broke under a statement (no SQLSTATE, or class 08/57P):
 * the statement may or may not have run to its commit.
 */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !fromPg.has(error)) return false;
  const code = (error as { code?: unknown }).code;
  // Errors with a SQLSTATE come from a live server; anything else (ECONNRESET, a terminated
  // connection, a client-side timeout) means the connection can no longer be trusted. Class 57P
  // (admin shutdown) and 08 (connection exception) come from a server that is going away.
  return (
    !(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) ||
    code.startsWith('57P') ||
    code.startsWith('08')
  );
}

const guarded = new WeakSet<object>();
const ignoreClientError = (): void => undefined;

/**
 * pg emits 'error' on a client whose server goes away; pg-pool listens only while the client is
 * idle, so a checked-out client (or one whose connection dies in the same network read as its
 * handshake) would crash the process with an unhandled 'error'. The failing query rejects anyway:
 * a permanent no-op listener on every client, present from its creation on, is enough.
 */
function guardAgainstUnhandledErrors(driver: PooledDriver, client: PgClient): void {
  if (guarded.has(client)) return;
  guarded.add(client);
  const pool = (driver as unknown as { master?: EventEmitter }).master;
  if (pool && typeof pool.on === 'function' && !guarded.has(pool)) {
    guarded.add(pool);
    pool.on('connect', (c: EventEmitter) => c.on('error', ignoreClientError));
  }
  const emitter = client as unknown as Partial<EventEmitter>;
  if (typeof emitter.listeners !== 'function' || typeof emitter.on !== 'function') return;
  if (!emitter.listeners('error').includes(ignoreClientError))
    emitter.on('error', ignoreClientError);
}
