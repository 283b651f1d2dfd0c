import type { AggregateClass, AggregateRoot } from '../domain/model/aggregate-root';
import type {
  AggregateRepository,
  SaveOptions,
  UpdateOptions,
} from '../domain/repository/aggregate-repository';
import {
  markBatchCommitted,
  prepareAppend,
  type PendingRow,
  type PendingSnapshot,
} from '../domain/repository/append-batch';
import { AggregateNotFoundError } from '../domain/errors/aggregate-not-found-error';
import { ConcurrencyError } from '../domain/errors/concurrency-error';
import { InvalidAggregateIdError } from '../domain/errors/invalid-aggregate-id-error';
import type { StoredEvent } from '../domain/model/event-envelope';
import { EventSerializer } from '../domain/codec/event-serializer';
import { aggregateTypeName, snapshotPolicyOf } from '../domain/model/aggregate.decorator';
import { AggregateTypeMismatchError } from '../domain/errors/aggregate-type-mismatch-error';
import { Rehydrator } from '../domain/repository/rehydrator';
import { SavesInFlight } from '../domain/repository/saves-in-flight';
import { splitUpdateOptions, updateWithRetry } from '../domain/repository/update-with-retry';
import { isUuid } from '../domain/model/uuid';

interface Row extends PendingRow {
  readonly createdAt: Date;
}

interface StoredSnapshot extends PendingSnapshot {
  readonly aggregateType: string;
}

/** Options of {@link InMemoryEventRepository}. */
export interface InMemoryEventRepositoryOptions {
  /** The serializer (and payload size limit) to use; a default one otherwise. */
  readonly serializer?: EventSerializer;
}

/**
 * The PostgreSQL `EventRepository`'s semantics in memory, for unit tests of application services:
 * payloads go through the same serializer and JSON text, rehydration through the same validation,
 * snapshots are written and restored at the same versions, and two saves from the same loaded
 * version conflict exactly as they would on PostgreSQL (the second one gets `ConcurrencyError`
 * and writes nothing).
 *
 * @example
 * ```ts
 * const repository = new InMemoryEventRepository();
 * await repository.save(BankAccount.open(id, 'Ada'));
 * await repository.update(BankAccount, id, (account) => account.deposit(100));
 * ```
 */
export class InMemoryEventRepository implements AggregateRepository {
  readonly #streams = new Map<string, Row[]>();
  readonly #snapshots = new Map<string, StoredSnapshot>();
  readonly #serializer: EventSerializer;
  readonly #inFlight = new SavesInFlight();

  constructor(options: InMemoryEventRepositoryOptions = {}) {
    this.#serializer = options.serializer ?? new EventSerializer();
  }

  async save(aggregate: AggregateRoot, options?: SaveOptions): Promise<void> {
    return this.saveAll([aggregate], options);
  }

  async saveAll(aggregates: readonly AggregateRoot[], options?: SaveOptions): Promise<void> {
    const batch = prepareAppend(aggregates, options, this.#serializer);
    if (batch.rows.length === 0) return;
    this.#inFlight.claim(batch);
    try {
      // A real store answers later: let other callers interleave here as they would.
      await Promise.resolve();
      // Check every stream before touching any, so a conflict writes nothing.
      for (const stream of batch.streams) {
        const actual = this.#streams.get(stream.aggregate.id)?.length ?? 0;
        if (actual !== stream.expectedVersion) {
          throw new ConcurrencyError(
            stream.aggregate.id,
            stream.aggregateType,
            stream.expectedVersion,
            actual,
          );
        }
      }
      const createdAt = new Date();
      for (const stream of batch.streams) {
        let rows = this.#streams.get(stream.aggregate.id);
        if (!rows) this.#streams.set(stream.aggregate.id, (rows = []));
        for (const row of stream.rows) rows.push({ ...row, createdAt });
        if (stream.snapshot) {
          this.#snapshots.set(stream.aggregate.id, {
            ...stream.snapshot,
            aggregateType: stream.aggregateType,
          });
        }
      }
      markBatchCommitted(batch);
    } finally {
      this.#inFlight.release(batch);
    }
  }

  async load<T extends AggregateRoot>(type: AggregateClass<T>, id: string): Promise<T> {
    const aggregate = await this.tryLoad(type, id);
    if (!aggregate) throw new AggregateNotFoundError(aggregateTypeName(type), id);
    return aggregate;
  }

  /** Rehydrates from the latest snapshot of the class's snapshot version, if any, and the events after it. */
  async tryLoad<T extends AggregateRoot>(type: AggregateClass<T>, id: string): Promise<T | null> {
    aggregateTypeName(type);
    const history = await this.readStream(id);
    if (history.length === 0) return null;
    const rehydrator = new Rehydrator(type, id, this.#serializer, this.#usableSnapshot(type, id));
    for (const stored of history.slice(rehydrator.version)) {
      rehydrator.apply(stored);
    }
    return rehydrator.aggregate;
  }

  #usableSnapshot(
    type: AggregateClass,
    id: string,
  ): { readonly state: object; readonly version: number } | undefined {
    const policy = snapshotPolicyOf(type);
    const snapshot = this.#snapshots.get(id.toLowerCase());
    if (!policy || !snapshot) return undefined;
    const typeName = aggregateTypeName(type);
    if (snapshot.aggregateType !== typeName) {
      throw new AggregateTypeMismatchError(id.toLowerCase(), typeName, snapshot.aggregateType);
    }
    if (snapshot.schemaVersion !== policy.version) return undefined;
    return { state: JSON.parse(snapshot.stateJson) as object, version: snapshot.version };
  }

  async readStream(aggregateId: string): Promise<readonly StoredEvent[]> {
    if (!isUuid(aggregateId)) throw new InvalidAggregateIdError(aggregateId);
    await Promise.resolve();
    const rows = this.#streams.get(aggregateId.toLowerCase()) ?? [];
    return rows.map(toStoredEvent);
  }

  update<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    command: (aggregate: T) => void | Promise<void>,
    options?: UpdateOptions,
  ): Promise<T> {
    const { retry, save } = splitUpdateOptions(options ?? {});
    return updateWithRetry(type, id, command, retry, {
      load: () => this.tryLoad(type, id),
      save: (aggregate) => this.save(aggregate, save),
    });
  }

  /** Every stored event of every aggregate, in append order per aggregate. For assertions. */
  allEvents(): readonly StoredEvent[] {
    return [...this.#streams.values()].flat().map(toStoredEvent);
  }
}

/** Parses the stored JSON text afresh on every read, as a JSONB column would hand it back. */
function toStoredEvent(row: Row): StoredEvent {
  return {
    eventId: row.eventId,
    aggregateId: row.aggregateId,
    aggregateType: row.aggregateType,
    eventType: row.eventType,
    version: row.version,
    payload: JSON.parse(row.payloadJson) as unknown,
    metadata: JSON.parse(row.metadataJson) as StoredEvent['metadata'],
    createdAt: row.createdAt,
  };
}
