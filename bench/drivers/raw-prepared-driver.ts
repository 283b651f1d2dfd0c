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
import { runNamed as run, type NamedStatement } from '../named-query';
import { prefillEvents } from '../prefill-events';
import type { RawStream } from './raw-driver';

const COLUMNS = 7;
const VERSION_CONSTRAINT = 'uq_events_aggregate_version';
const INSERT_PREFIX =
  'INSERT INTO events (id, aggregate_id, aggregate_type, event_type, version, payload, metadata) VALUES ';
/** What the fold needs and nothing more: the version it reaches, each event's type and payload. */
const SELECT_STREAM: NamedStatement = {
  name: 'raw_prepared_stream',
  text: 'SELECT version, event_type, payload FROM events WHERE aggregate_id = $1 ORDER BY version',
};

type StreamRow = [version: number, eventType: string, payload: unknown];

/**
 * The strongest hand-written baseline: bare `pg` the way tessera drives it. Every statement is
 * a named prepared statement (parsed and planned once per connection), sent on a checked-out
 * client through pg's callback interface with a `Client.Query` built from the text and named
 * afterwards (the path tessera's PgSession takes); one INSERT per append, all its rows in one
 * VALUES list; loads read only the columns the fold needs, as arrays (no object per row).
 */
export class RawPreparedDriver implements Driver<RawStream> {
  readonly #pool: Pool;
  readonly #inserts = new Map<number, NamedStatement>();

  private constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** Creates the events table with tessera's own migration, so the rows are identical. */
  static async create(url: string, poolSize: number): Promise<RawPreparedDriver> {
    const dataSource = createTesseraDataSource({ url, poolSize: 1 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();
    return new RawPreparedDriver(new Pool({ connectionString: url, max: poolSize }));
  }

  async openAccount(events: number): Promise<RawStream> {
    const stream = { id: randomUUID(), version: 0 };
    const rows: Array<[string, unknown]> = [[OPENED, openedPayload()]];
    for (let i = 1; i < events; i++) rows.push([DEPOSITED, depositedPayload()]);
    await this.#withClient((client) => this.#append(client, stream, rows));
    return stream;
  }

  async deposit(stream: RawStream): Promise<void> {
    await this.#withClient((client) =>
      this.#append(client, stream, [[DEPOSITED, depositedPayload()]]),
    );
  }

  async openAccounts(count: number): Promise<void> {
    const params: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const now = new Date();
      const payload = JSON.stringify(openedPayload(now));
      const metadata = JSON.stringify(eventMetadata(now));
      params.push(randomUUID(), randomUUID(), 'BankAccount', OPENED, 1, payload, metadata);
    }
    await this.#withClient((client) => run(client, this.#insertFor(count), params));
  }

  async load(stream: RawStream): Promise<number> {
    return (await this.#withClient((client) => fold(client, stream.id))).balance;
  }

  async race(stream: RawStream, until: number): Promise<number> {
    let conflicts = 0;
    for (let attempt = 0; ;) {
      const client = await this.#pool.connect();
      try {
        const { version } = await fold(client, stream.id);
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

  async #withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  async #append(
    client: PoolClient,
    stream: RawStream,
    events: ReadonlyArray<[string, unknown]>,
  ): Promise<void> {
    const params: unknown[] = [];
    const metadata = JSON.stringify(eventMetadata());
    for (let i = 0; i < events.length; i++) {
      const [type, payload] = events[i];
      params.push(
        randomUUID(),
        stream.id,
        'BankAccount',
        type,
        stream.version + i + 1,
        JSON.stringify(payload),
        metadata,
      );
    }
    await run(client, this.#insertFor(events.length), params);
    stream.version += events.length;
  }

  #insertFor(rows: number): NamedStatement {
    let sql = this.#inserts.get(rows);
    if (sql === undefined) {
      const tuples: string[] = [];
      for (let r = 0; r < rows; r++) {
        const p = Array.from({ length: COLUMNS }, (_, c) => `$${r * COLUMNS + c + 1}`);
        tuples.push(`(${p.join(', ')})`);
      }
      sql = { name: `raw_prepared_insert_${rows}`, text: INSERT_PREFIX + tuples.join(', ') };
      this.#inserts.set(rows, sql);
    }
    return sql;
  }
}

async function fold(client: PoolClient, id: string): Promise<{ balance: number; version: number }> {
  const rows = (await run(client, SELECT_STREAM, [id], true)) as StreamRow[];
  let state = initialAccount();
  for (let i = 0; i < rows.length; i++) state = evolveAccount(state, rows[i][1], rows[i][2]);
  return { balance: state.balance, version: rows.length ? rows[rows.length - 1][0] : 0 };
}
