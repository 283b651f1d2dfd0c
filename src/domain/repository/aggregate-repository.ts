import type { AggregateClass, AggregateRoot } from '../model/aggregate-root';
import type { EventMetadataOptions, StoredEvent } from '../model/event-envelope';
import type { RetryOptions } from './retry-on-conflict';

/** Options of `save()` and `saveAll()`: metadata stored with every event of the save. */
export type SaveOptions = EventMetadataOptions;

/** Options of `update()`. */
export interface UpdateOptions extends SaveOptions, RetryOptions {}

/**
 * What both event repositories (PostgreSQL `EventRepository` and `InMemoryEventRepository`)
 * offer. Application services depend on this interface, so they are unit-tested in memory.
 */
export interface AggregateRepository<S extends SaveOptions = SaveOptions> {
  /**
   * Appends the aggregate's uncommitted events, all or none, with versions `version+1..`, then
   * marks the aggregate committed. A concurrent writer makes it throw `ConcurrencyError`, writing
   * nothing and leaving the aggregate's uncommitted events in place.
   */
  save(aggregate: AggregateRoot, options?: S): Promise<void>;
  /** Saves several aggregates atomically: every one or none. */
  saveAll(aggregates: readonly AggregateRoot[], options?: S): Promise<void>;
  /** Rehydrates an aggregate; throws `AggregateNotFoundError` when it has no event. */
  load<T extends AggregateRoot>(type: AggregateClass<T>, id: string): Promise<T>;
  /** Rehydrates an aggregate, or returns null when it has no event. */
  tryLoad<T extends AggregateRoot>(type: AggregateClass<T>, id: string): Promise<T | null>;
  /** The stored events of one aggregate in version order, payloads as plain JSON. */
  readStream(aggregateId: string): Promise<readonly StoredEvent[]>;
  /**
   * Load, run the command, save; on `ConcurrencyError` reload and run the command again (see
   * {@link RetryOptions}). The command may run several times: it must change nothing outside the
   * aggregate (no e-mails, no HTTP calls). Returns the saved aggregate.
   */
  update<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    command: (aggregate: T) => void | Promise<void>,
    options?: UpdateOptions & Omit<S, keyof SaveOptions>,
  ): Promise<T>;
}
