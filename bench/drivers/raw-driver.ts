import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { createTesseraDataSource } from '../../src';
import type { Driver } from '../driver';
import { backoff } from '../backoff';
import {
  DEPOSITED,
  depositedPayload,
  eventMetadata,
  evolveAccount,
  initialAccount,
  OPENED,
  openedPayload,
} from '../bank-events';
import { prefillEvents } from '../prefill-events';

/** A stream raw can append to without reading it: its id and current version. */
export interface RawStream {
  readonly id: string;
  version: number;
}

const COLUMNS = 7;
const VERSION_CONSTRAINT = 'uq_events_aggregate_version';
const INSERT_PREFIX =
  'INSERT INTO events (id, aggregate_id, aggregate_type, event_type, version, payload, metadata) VALUES ';
const SELECT_STREAM =
  'SELECT version, event_type, payload FROM events WHERE aggregate_id = $1 ORDER BY version';

/**
 * The ceiling: bare `pg` on the same table and rows. One parameterised INSERT per append (all
 * rows of the append in its VALUES list), one SELECT and a plain reducer per load.
 */
export class RawDriver implements Driver<RawStream> {
  readonly #pool: Pool;
  readonly #insertSql = new Map<number, string>();

  private constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** Creates the events table with tessera's own migration, so the rows are identical. */
  static async create(url: string, poolSize: number): Promise<RawDriver> {
    const dataSource = createTesseraDataSource({ url, poolSize: 1 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();
    return new RawDriver(new Pool({ connectionString: url, max: poolSize }));
  }

  async openAccount(events: number): Promise<RawStream> {
    const stream = { id: randomUUID(), version: 0 };
    const rows: Array<[string, unknown]> = [[OPENED, openedPayload()]];
    for (let i = 1; i < events; i++) rows.push([DEPOSITED, depositedPayload()]);
    await this.#append(this.#pool, stream, rows);
    return stream;
  }

  async deposit(stream: RawStream): Promise<void> {
    await this.#append(this.#pool, stream, [[DEPOSITED, depositedPayload()]]);
  }

  async openAccounts(count: number): Promise<void> {
    const params: unknown[] = [];
    // Each account's event gets its own JSON, as in every other raw append (accounts of
    // different owners could not share one).
    for (let i = 0; i < count; i++) {
      const now = new Date();
      const payload = JSON.stringify(openedPayload(now));
      const metadata = JSON.stringify(eventMetadata(now));
      params.push(randomUUID(), randomUUID(), 'BankAccount', OPENED, 1, payload, metadata);
    }
    await this.#pool.query(this.#insertSqlFor(count), params);
  }

  async load(stream: RawStream): Promise<number> {
    return (await this.#fold(this.#pool, stream.id)).balance;
  }

  async race(stream: RawStream, until: number): Promise<number> {
    let conflicts = 0;
    for (let attempt = 0; ;) {
      // A checked-out client, released by hand: pool.query() would destroy the connection on
      // every conflict and reconnect.
      const client = await this.#pool.connect();
      try {
        const { version } = await this.#fold(client, stream.id);
        if (version >= until) return conflicts;
        await this.#append(client, { id: stream.id, version }, [[DEPOSITED, depositedPayload()]]);
        attempt = 0;
      } catch (error) {
        if ((error as { constraint?: string }).constraint !== VERSION_CONSTRAINT) throw error;
        conflicts += 1;
        attempt += 1;
      } finally {
        client.release();
      }
      if (attempt > 0) await backoff(attempt - 1);
    }
  }

  async prefill(events: number): Promise<RawStream> {
    return { id: await prefillEvents(this.#pool, events), version: events };
  }

  async versions(stream: RawStream): Promise<number[]> {
    const { rows } = await this.#pool.query<{ version: number }>(
      'SELECT version FROM events WHERE aggregate_id = $1 ORDER BY version',
      [stream.id],
    );
    return rows.map((r) => r.version);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }

  async #fold(db: Pool | PoolClient, id: string): Promise<{ balance: number; version: number }> {
    const { rows } = await db.query<{ version: number; event_type: string; payload: unknown }>(
      SELECT_STREAM,
      [id],
    );
    let state = initialAccount();
    for (const row of rows) state = evolveAccount(state, row.event_type, row.payload);
    return { balance: state.balance, version: rows.length ? rows[rows.length - 1].version : 0 };
  }

  async #append(
    db: Pool | PoolClient,
    stream: RawStream,
    events: ReadonlyArray<[string, unknown]>,
  ): Promise<void> {
    const params: unknown[] = [];
    const metadata = JSON.stringify(eventMetadata());
    events.forEach(([type, payload], i) => {
      params.push(
        randomUUID(),
        stream.id,
        'BankAccount',
        type,
        stream.version + i + 1,
        JSON.stringify(payload),
        metadata,
      );
    });
    await db.query(this.#insertSqlFor(events.length), params);
    stream.version += events.length;
  }

  #insertSqlFor(rows: number): string {
    let sql = this.#insertSql.get(rows);
    if (sql === undefined) {
      const tuples: string[] = [];
      for (let r = 0; r < rows; r++) {
        const p = Array.from({ length: COLUMNS }, (_, c) => `$${r * COLUMNS + c + 1}`);
        tuples.push(`(${p.join(', ')})`);
      }
      sql = INSERT_PREFIX + tuples.join(', ');
      this.#insertSql.set(rows, sql);
    }
    return sql;
  }
}
