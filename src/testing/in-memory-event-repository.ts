import type { AggregateClass, AggregateRoot } from '../domain/aggregate-root';
import type {
  AggregateRepository,
  SaveOptions,
  UpdateOptions,
} from '../domain/aggregate-repository';
import { prepareAppend, runAppend, type PendingRow } from '../domain/append-batch';
import { AggregateNotFoundError } from '../domain/errors/aggregate-not-found-error';
import { ConcurrencyError } from '../domain/errors/concurrency-error';
import { InvalidAggregateIdError } from '../domain/errors/invalid-aggregate-id-error';
import type { StoredEvent } from '../domain/event-envelope';
import { EventSerializer } from '../domain/event-serializer';
import { aggregateTypeName } from '../domain/metadata/aggregate.decorator';
import { rehydrate } from '../domain/rehydrator';
import { updateWithRetry } from '../domain/update-with-retry';
import { isUuid } from '../domain/uuid';

interface Row extends PendingRow {
  readonly createdAt: Date;
}

/** Options of {@link InMemoryEventRepository}. */
export interface InMemoryEventRepositoryOptions {
  /** The serializer (and payload size limit) to use; a default one otherwise. */
  readonly serializer?: EventSerializer;
}

/**
 * The PostgreSQL `EventRepository`'s semantics in memory, for unit tests of application services:
 * payloads go through the same serializer and JSON text, rehydration through the same validation,
 * and two saves from the same loaded version conflict exactly as they would on PostgreSQL
 * (the second one gets `ConcurrencyError` and writes nothing).
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
  readonly #serializer: EventSerializer;

  constructor(options: InMemoryEventRepositoryOptions = {}) {
    this.#serializer = options.serializer ?? new EventSerializer();
  }

  async save(aggregate: AggregateRoot, options?: SaveOptions): Promise<void> {
    return this.saveAll([aggregate], options);
  }

  async saveAll(aggregates: readonly AggregateRoot[], options?: SaveOptions): Promise<void> {
    const batch = prepareAppend(aggregates, options, this.#serializer);
    if (batch.rows.length === 0) return;
    await runAppend(batch, async () => {
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
      }
    });
  }

  async load<T extends AggregateRoot>(type: AggregateClass<T>, id: string): Promise<T> {
    const aggregate = await this.find(type, id);
    if (!aggregate) throw new AggregateNotFoundError(aggregateTypeName(type), id);
    return aggregate;
  }

  async find<T extends AggregateRoot>(type: AggregateClass<T>, id: string): Promise<T | null> {
    const history = await this.readStream(id);
    if (history.length === 0) {
      aggregateTypeName(type);
      return null;
    }
    return rehydrate(type, id, history, this.#serializer);
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
    return updateWithRetry(this, type, id, command, options);
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
