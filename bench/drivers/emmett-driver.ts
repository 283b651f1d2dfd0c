import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { isExpectedVersionConflictError, type Event } from '@event-driven-io/emmett';
import {
  getPostgreSQLEventStore,
  type PostgresEventStore,
} from '@event-driven-io/emmett-postgresql';
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
  type AccountState,
} from '../bank-events';

/** A stream emmett can append to without reading it: its name and current position. */
export interface EmmettStream {
  readonly name: string;
  version: bigint;
}

type AccountEvent = Event<string, Record<string, unknown>, Record<string, unknown>>;

// Emmett appends 1,000 events per call in set-up: its SQL is built client-side as literals.
const PREFILL_BATCH = 1000;

/**
 * `@event-driven-io/emmett-postgresql` 0.42: appendToStream / aggregateStream on its own schema,
 * over a pg Pool of the same size as the others.
 */
export class EmmettDriver implements Driver<EmmettStream> {
  readonly #pool: Pool;
  readonly #store: PostgresEventStore;

  private constructor(pool: Pool, store: PostgresEventStore) {
    this.#pool = pool;
    this.#store = store;
  }

  /** Creates emmett's schema in the scratch database (its own migration, run once). */
  static async create(url: string, poolSize: number): Promise<EmmettDriver> {
    const pool = new Pool({ connectionString: url, max: poolSize });
    const store = getPostgreSQLEventStore(url, {
      connectionOptions: { pool },
      schema: { autoMigration: 'None' },
    });
    await store.schema.migrate();
    return new EmmettDriver(pool, store);
  }

  async openAccount(events: number): Promise<EmmettStream> {
    const stream = { name: `BankAccount-${randomUUID()}`, version: 0n };
    const batch: AccountEvent[] = [event(OPENED, openedPayload())];
    for (let i = 1; i < events; i++) batch.push(event(DEPOSITED, depositedPayload()));
    await this.#append(stream, batch);
    return stream;
  }

  async deposit(stream: EmmettStream): Promise<void> {
    await this.#append(stream, [event(DEPOSITED, depositedPayload())]);
  }

  /** Emmett has no atomic multi-stream append: these are `count` appends, one after another. */
  async openAccounts(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.openAccount(1);
  }

  async load(stream: EmmettStream): Promise<number> {
    return (await this.#aggregate(stream.name)).state.balance;
  }

  async race(stream: EmmettStream, until: number): Promise<number> {
    let conflicts = 0;
    for (let attempt = 0; ;) {
      const { currentStreamVersion } = await this.#aggregate(stream.name);
      if (currentStreamVersion >= BigInt(until)) return conflicts;
      try {
        await this.#append({ name: stream.name, version: currentStreamVersion }, [
          event(DEPOSITED, depositedPayload()),
        ]);
        attempt = 0;
      } catch (error) {
        if (!isExpectedVersionConflictError(error)) throw error;
        conflicts += 1;
        await backoff(attempt);
        attempt += 1;
      }
    }
  }

  async prefill(events: number): Promise<EmmettStream> {
    const stream = await this.openAccount(Math.min(events, PREFILL_BATCH));
    for (let left = events - Number(stream.version); left > 0; left -= PREFILL_BATCH) {
      const batch: AccountEvent[] = [];
      for (let i = 0; i < Math.min(left, PREFILL_BATCH); i++) {
        batch.push(event(DEPOSITED, depositedPayload()));
      }
      await this.#append(stream, batch);
    }
    return stream;
  }

  async versions(stream: EmmettStream): Promise<number[]> {
    const { rows } = await this.#pool.query<{ position: string }>(
      'SELECT stream_position::text AS position FROM emt_messages WHERE stream_id = $1 ORDER BY stream_position',
      [stream.name],
    );
    return rows.map((r) => Number(r.position));
  }

  async close(): Promise<void> {
    await this.#store.close();
    await this.#pool.end();
  }

  async #append(stream: EmmettStream, events: AccountEvent[]): Promise<void> {
    const result = await this.#store.appendToStream(stream.name, events, {
      expectedStreamVersion: stream.version,
    });
    stream.version = result.nextExpectedStreamVersion;
  }

  #aggregate(name: string) {
    return this.#store.aggregateStream<AccountState, AccountEvent>(name, {
      evolve: (state: AccountState, e: AccountEvent) => evolveAccount(state, e.type, e.data),
      initialState: initialAccount,
    });
  }
}

function event(type: string, data: Record<string, unknown>): AccountEvent {
  return { type, data, metadata: eventMetadata() };
}
