import type { DataSource, EntityManager } from 'typeorm';
import type { AggregateClass, AggregateRoot } from '../domain/aggregate-root';
import type {
  AggregateRepository,
  SaveOptions,
  UpdateOptions,
} from '../domain/aggregate-repository';
import {
  prepareAppend,
  runAppend,
  type AppendBatch,
  type PendingStream,
} from '../domain/append-batch';
import { AggregateNotFoundError } from '../domain/errors/aggregate-not-found-error';
import { ConcurrencyError } from '../domain/errors/concurrency-error';
import { InvalidAggregateIdError } from '../domain/errors/invalid-aggregate-id-error';
import type { StoredEvent } from '../domain/event-envelope';
import { EventSerializer } from '../domain/event-serializer';
import { aggregateTypeName } from '../domain/metadata/aggregate.decorator';
import { Rehydrator } from '../domain/rehydrator';
import { updateWithRetry } from '../domain/update-with-retry';
import { isUuid } from '../domain/uuid';
import { toStoredEvent, type EventRow } from './event-row';
import { buildEventSql, type EventSql } from './event-sql';
import { PgSession } from './pg-session';
import { EVENTS_TABLE } from './schema-names';
import { qualifiedTableName } from './sql-identifier';
import { versionConflictAggregateId } from './version-conflict';

/** Options of {@link EventRepository}. */
export interface EventRepositoryOptions {
  /** Serializer (and its payload size limit); a default one otherwise. */
  readonly serializer?: EventSerializer;
  /** Schema of the events table; the connection's search_path when omitted. */
  readonly schema?: string;
  /** Name of the events table. Default `events` (what the migrations create). */
  readonly table?: string;
}

/** Save options of the PostgreSQL repository: metadata, and optionally a transaction to join. */
export interface EventSaveOptions extends SaveOptions {
  /**
   * A TypeORM EntityManager, typically the one `dataSource.transaction(async (manager) => ...)`
   * hands you: the events are written in that transaction, atomically with your own rows. If it
   * later rolls back, discard the aggregate instance (it was marked committed) and reload it.
   */
  readonly manager?: EntityManager;
}

/**
 * The event store on PostgreSQL, over a TypeORM DataSource. A save appends all uncommitted events
 * in one statement (one transaction, one round trip); the `(aggregate_id, version)` unique
 * constraint makes the first writer win and turns every later one into a {@link ConcurrencyError}.
 *
 * @example
 * ```ts
 * const repository = new EventRepository(dataSource);
 * await repository.save(BankAccount.open(id, owner, 'EUR'), { correlationId, actor: 'ada' });
 * await repository.update(BankAccount, id, (account) => account.deposit(100), { retries: 5 });
 * const account = await repository.load(BankAccount, id);
 * ```
 */
export class EventRepository implements AggregateRepository<EventSaveOptions> {
  readonly #session: PgSession;
  readonly #serializer: EventSerializer;
  readonly #sql: EventSql;

  constructor(dataSource: DataSource, options: EventRepositoryOptions = {}) {
    this.#session = new PgSession(dataSource);
    this.#serializer = options.serializer ?? new EventSerializer();
    this.#sql = buildEventSql(qualifiedTableName(options.table ?? EVENTS_TABLE, options.schema));
  }

  /** {@inheritDoc AggregateRepository.save} */
  save(aggregate: AggregateRoot, options?: EventSaveOptions): Promise<void> {
    return this.saveAll([aggregate], options);
  }

  /** {@inheritDoc AggregateRepository.saveAll} */
  async saveAll(
    aggregates: readonly AggregateRoot[],
    options: EventSaveOptions = {},
  ): Promise<void> {
    const { manager, ...metadata } = options;
    const batch = prepareAppend(aggregates, metadata, this.#serializer);
    if (batch.rows.length === 0) return;
    await runAppend(batch, () => this.#append(batch, manager));
  }

  /** {@inheritDoc AggregateRepository.load} */
  async load<T extends AggregateRoot>(type: AggregateClass<T>, id: string): Promise<T> {
    const aggregate = await this.find(type, id);
    if (!aggregate) throw new AggregateNotFoundError(aggregateTypeName(type), id);
    return aggregate;
  }

  /** {@inheritDoc AggregateRepository.find} */
  async find<T extends AggregateRoot>(type: AggregateClass<T>, id: string): Promise<T | null> {
    const aggregateId = normalizedId(id);
    const rehydrator = new Rehydrator(type, aggregateId, this.#serializer);
    const rows = await this.#session.query<EventRow>(this.#sql.selectStream, [aggregateId, 0]);
    if (rows.length === 0) return null;
    for (const row of rows) rehydrator.apply(toStoredEvent(aggregateId, row));
    return rehydrator.aggregate;
  }

  /** {@inheritDoc AggregateRepository.readStream} */
  async readStream(aggregateId: string): Promise<readonly StoredEvent[]> {
    const id = normalizedId(aggregateId);
    const rows = await this.#session.query<EventRow>(this.#sql.selectStream, [id, 0]);
    return rows.map((row) => toStoredEvent(id, row));
  }

  /** {@inheritDoc AggregateRepository.update} */
  update<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    command: (aggregate: T) => void | Promise<void>,
    options?: UpdateOptions & Pick<EventSaveOptions, 'manager'>,
  ): Promise<T> {
    return updateWithRetry(this, type, id, command, options);
  }

  async #append(batch: AppendBatch, manager: EntityManager | undefined): Promise<void> {
    const { sql, params } = this.#insertStatement(batch);
    try {
      await this.#session.execute(sql, params, manager);
    } catch (error) {
      const conflictId = versionConflictAggregateId(error);
      if (conflictId === undefined) throw error;
      throw await this.#concurrencyError(batch, conflictId, manager, error);
    }
  }

  #insertStatement(batch: AppendBatch): { sql: string; params: unknown[] } {
    const rows = batch.rows;
    if (rows.length === 1) {
      const r = rows[0];
      return {
        sql: this.#sql.insertOne,
        params: [
          r.eventId,
          r.aggregateId,
          r.aggregateType,
          r.eventType,
          r.version,
          r.payloadJson,
          r.metadataJson,
        ],
      };
    }
    return {
      sql: this.#sql.insertMany,
      params: [
        rows.map((r) => r.eventId),
        rows.map((r) => r.aggregateId),
        rows.map((r) => r.aggregateType),
        rows.map((r) => r.eventType),
        rows.map((r) => r.version),
        rows.map((r) => r.payloadJson),
        rows.map((r) => r.metadataJson),
      ],
    };
  }

  /** Names the losing aggregate and the version it lost to. */
  async #concurrencyError(
    batch: AppendBatch,
    conflictId: string,
    manager: EntityManager | undefined,
    cause: unknown,
  ): Promise<ConcurrencyError> {
    const candidates: readonly PendingStream[] = conflictId
      ? batch.streams.filter((s) => s.aggregate.id === conflictId)
      : batch.streams;
    for (const stream of candidates) {
      const [{ version }] = await this.#session.query<{ version: number }>(
        this.#sql.selectVersion,
        [stream.aggregate.id],
        manager,
      );
      if (version > stream.expectedVersion || candidates.length === 1) {
        return new ConcurrencyError(
          stream.aggregate.id,
          stream.aggregateType,
          stream.expectedVersion,
          version,
          { cause },
        );
      }
    }
    const first = batch.streams[0];
    return new ConcurrencyError(
      first.aggregate.id,
      first.aggregateType,
      first.expectedVersion,
      first.expectedVersion,
      { cause },
    );
  }
}

function normalizedId(id: string): string {
  if (!isUuid(id)) throw new InvalidAggregateIdError(id);
  return id.toLowerCase();
}
