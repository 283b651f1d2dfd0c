import type { AggregateClass, AggregateRoot } from '../model/aggregate-root';
import type { EventMetadataOptions, StoredEvent } from '../model/event-envelope';
import type { RetryOptions } from './retry-on-conflict';
import type { LoadOptions } from './load-options';
import type { ReadStreamOptions } from './read-stream-options';
import type { SaveResult } from './save-result';

/** Options of `save()` and `saveAll()`: metadata stored with every event of the save. */
export interface SaveOptions extends EventMetadataOptions {
  /**
   * The command's id, an idempotency key (1-255 characters): stored per aggregate in the same
   * transaction as the events. A later save with the same id and the same events (types and
   * payloads) writes nothing and resolves as a replay, even from a stale instance; with other
   * events it throws `CommandIdReusedError`. Without one, a save is keyed implicitly by its
   * first event's id, which resolves a retry of the same instance only.
   */
  readonly commandId?: string;
  /**
   * Unique values this save reserves, in its own transaction: a value another aggregate holds
   * makes the save throw `UniqueValueTakenError`, writing nothing.
   */
  readonly claim?: readonly UniqueValue[];
  /** Unique values this save gives up (only those its aggregate holds; others are ignored). */
  readonly release?: readonly UniqueValue[];
  /**
   * Aggregates this save depends on but does not write, each with the version it must still
   * have ("the account is still at version 7"; 0: it must not exist). Checked in the save's own
   * statement: if one has moved, the save throws `ConcurrencyError` naming it (with
   * `byCondition: true`), writing nothing. `update()` does not retry that conflict: the command
   * was decided on the other aggregate's old state, so re-read it and decide again.
   */
  readonly unchanged?: readonly UnchangedAggregate[];
}

/** An aggregate a save reads but does not write, and the version it must still be at. */
export interface UnchangedAggregate {
  readonly aggregateId: string;
  /** Its version when the decision was made; 0 when it must not exist yet. */
  readonly version: number;
}

/** A value unique across aggregates within its scope: `{ scope: 'email', value: 'ada@x.org' }`. */
export interface UniqueValue {
  /** 1-255 characters: what kind of value (`email`, `order-number`). */
  readonly scope: string;
  /** 1-1024 characters, compared exactly (normalise case yourself). */
  readonly value: string;
  /** The aggregate that holds it; may be left out when the save has one aggregate with events. */
  readonly aggregateId?: string;
}

/** Options of `update()`: `commandId` is carried through every attempt. */
export interface UpdateOptions extends SaveOptions, RetryOptions {}

/**
 * What both event repositories (PostgreSQL `EventRepository` and `InMemoryEventRepository`)
 * offer. Application services depend on this interface, so they are unit-tested in memory.
 */
export interface AggregateRepository<S extends SaveOptions = SaveOptions> {
  /**
   * Appends the aggregate's uncommitted events, all or none, with versions `version+1..`, then
   * marks the aggregate committed. A concurrent writer makes it throw `ConcurrencyError`, writing
   * nothing and leaving the aggregate's uncommitted events in place. A save already stored
   * (same `commandId`, or the same instance retried after `OutcomeUnknownError`) writes nothing
   * and resolves with `replayed: true`; a connection lost mid-save throws `OutcomeUnknownError`.
   */
  save(aggregate: AggregateRoot, options?: S): Promise<SaveResult>;
  /** Saves several aggregates atomically: every one or none (one `commandId` keys them all). */
  saveAll(aggregates: readonly AggregateRoot[], options?: S): Promise<SaveResult>;
  /**
   * Rehydrates an aggregate; throws `AggregateNotFoundError` when it has no event (before the
   * point in time, with `asOfVersion` or `asOf`).
   */
  load<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    options?: LoadOptions,
  ): Promise<T>;
  /** Rehydrates an aggregate, or returns null when it has no event (before the point in time). */
  tryLoad<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    options?: LoadOptions,
  ): Promise<T | null>;
  /**
   * The stored events of one aggregate in version order (or a part of them, see
   * {@link ReadStreamOptions}), payloads as plain JSON as they were stored, not upcast.
   */
  readStream(aggregateId: string, options?: ReadStreamOptions): Promise<readonly StoredEvent[]>;
  /** One stored event by its id (the row's `id`), or null when there is none. */
  readEvent(eventId: string): Promise<StoredEvent | null>;
  /**
   * Load, run the command, save; on `ConcurrencyError` reload and run the command again (see
   * {@link RetryOptions}). The command may run several times: it must change nothing outside the
   * aggregate (no e-mails, no HTTP calls). Returns the saved aggregate; when the save was a
   * replay of `commandId`, the aggregate as stored (reloaded).
   */
  update<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    command: (aggregate: T) => void | Promise<void>,
    options?: UpdateOptions & Omit<S, keyof SaveOptions>,
  ): Promise<T>;
  /**
   * Forgets a data subject: destroys the key of its `@PersonalData` values. The events stay as
   * they are; every read then gives `FORGOTTEN_VALUE` for those values, and aggregates still load
   * and accept commands. Resolves with true when the subject had a key.
   */
  forget(subjectId: string): Promise<boolean>;
}
