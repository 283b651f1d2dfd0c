import { v7 as timeOrderedUuid } from 'uuid';
import { instanceToPlain } from 'class-transformer';
import { InvalidAggregateIdError } from '../errors/invalid-aggregate-id-error';
import { MissingEventHandlerError } from '../errors/missing-event-handler-error';
import { eventToJson } from '../codec/event-serializer';
import { assertValidEvent } from '../codec/event-validator';
import { checkEventClass } from '../codec/first-raise-check';
import { plainToEvent } from '../codec/plain-to-event';
import type { EventClass as ValueClass } from '../codec/event-class';
import { snapshotPolicyOf } from './aggregate.decorator';
import { snapshotChecks } from './snapshot-check';
import { copyState, restoreState } from './state-copy';
import type { EventRaiseMetadata, UncommittedEvent } from './event-envelope';
import { buildSharedMetadata } from './event-metadata';
import { findEventHandler } from './apply.decorator';
import type { EventClass } from '../codec/event-class';
import { eventRegistry } from '../codec/event-registry';
import { isUuid } from './uuid';

const ID_ONLY = new Set(['id']);

/**
 * Base class of event-sourced aggregates. State changes only through events: a command method
 * checks its rules, then calls {@link AggregateRoot.raise}, which validates the event, applies it
 * through its `@Apply` handler and records it until the repository saves it.
 *
 * Subclasses keep a constructor that takes the id (the repository calls `new Type(id)` before
 * replaying history) and are decorated with `@Aggregate('StableName')`.
 *
 * @example
 * ```ts
 * @Aggregate('BankAccount')
 * export class BankAccount extends AggregateRoot {
 *   balance = 0;
 *   deposit(amount: number) { this.raise(new MoneyDeposited(amount)); }
 *   @Apply(MoneyDeposited) private onDeposited(e: MoneyDeposited) { this.balance += e.amount; }
 * }
 * ```
 */
export abstract class AggregateRoot {
  /** The aggregate's id, a UUID: the `aggregate_id` of its events. */
  readonly id: string;
  #version = 0;
  #uncommitted: UncommittedEvent[] = [];
  #snapshotVersion = 0;

  /** @param id a UUID; a new time-ordered one (UUIDv7) when omitted. */
  constructor(id: string = timeOrderedUuid()) {
    if (!isUuid(id)) throw new InvalidAggregateIdError(id);
    this.id = id.toLowerCase();
  }

  /** Number of committed events: 0 for a new aggregate, n after loading or saving n events. */
  get version(): number {
    return this.#version;
  }

  /**
   * Validates an event (class-validator), applies it through its `@Apply` handler and records it
   * as uncommitted, with its JSON taken now. An invalid event throws `InvalidEventError`, an event
   * without a handler `MissingEventHandlerError`, a value JSON cannot hold
   * `UnserializableEventError`; in every case nothing is applied or recorded. The first raises of
   * each event class (until each of its properties was seen with a value) also decode its JSON as
   * a load would and throw `EventRoundTripError`, recording nothing, unless that gives back an
   * equal event; for an aggregate with a snapshot policy, its snapshot is checked the same way
   * after the event is applied, and its fields are put back if the check refuses.
   *
   * `metadata` is this event's own (a causation id, headers): stored with it, winning over the
   * save's metadata for this event; malformed, it throws `InvalidMetadataError` and nothing is
   * recorded.
   */
  protected raise(event: object, metadata?: EventRaiseMetadata): void {
    const own =
      metadata === undefined
        ? undefined
        : buildSharedMetadata({
            correlationId: metadata.correlationId,
            causationId: metadata.causationId,
            headers: metadata.headers,
          });
    const info = eventRegistry.infoOf(event);
    const handler = this.#handlerFor(event, info.name);
    assertValidEvent(event, info.name);
    const json = eventToJson(event, info.name);
    checkEventClass(event, info.name, json);
    // While its snapshot is not yet proven to restore every field, a snapshotted class's state
    // is checked after the handler, and put back if the check refuses the raise.
    const before =
      snapshotPolicyOf(this.constructor) && !snapshotChecks.settled(this.constructor)
        ? copyState(this, ID_ONLY)
        : undefined;
    handler.call(this, event);
    if (before) {
      try {
        snapshotChecks.check(this);
      } catch (error) {
        restoreState(this, before, ID_ONLY);
        throw error;
      }
    }
    this.#uncommitted.push({
      // Time-ordered (UUIDv7): each append adds to the right edge of the primary key's index
      // instead of a random leaf, so the index a save touches stays small however large the
      // table grows (docs/operations-archival-and-recovery.md, "Growth").
      eventId: timeOrderedUuid(),
      version: this.#version + this.#uncommitted.length + 1,
      occurredAt: new Date(),
      event,
      eventType: info.name,
      json,
      ...(own === undefined ? {} : { metadata: own }),
    });
  }

  /**
   * The version of the latest stored snapshot this instance knows of: the one it was restored
   * from, or the one its last save wrote; 0 when none. Repositories write the next snapshot once
   * the aggregate is a snapshot interval past it.
   */
  get snapshotVersion(): number {
    return this.#snapshotVersion;
  }

  /** The events raised since the last load or save, oldest first. */
  getUncommittedEvents(): readonly object[] {
    return this.#uncommitted.map((u) => u.event);
  }

  /** The uncommitted events with their ids, versions and times; what repositories append. */
  getUncommittedEnvelopes(): readonly UncommittedEvent[] {
    return this.#uncommitted.slice();
  }

  /**
   * Called by repositories after a successful append: the first `count` uncommitted events (by
   * default all) become committed and {@link AggregateRoot.version} moves on by that number.
   * Events raised while the save was in flight stay uncommitted for the next save.
   * `snapshotWritten` says the append also stored a snapshot at the new version.
   */
  markCommitted(count: number = this.#uncommitted.length, snapshotWritten = false): void {
    if (!Number.isInteger(count) || count < 0 || count > this.#uncommitted.length) {
      throw new RangeError(
        `cannot commit ${count} of ${this.#uncommitted.length} uncommitted events`,
      );
    }
    this.#version += count;
    this.#uncommitted = this.#uncommitted.slice(count);
    if (snapshotWritten) this.#snapshotVersion = this.#version;
  }

  /**
   * Applies past events in order without recording them; each one moves the version by one.
   * Repositories call it while rehydrating; tests use it to set up a state.
   */
  loadFromHistory(events: Iterable<object>): void {
    if (this.#uncommitted.length > 0) {
      throw new Error(
        `${this.constructor.name} ${this.id} has uncommitted events; history can only be loaded before raising new events`,
      );
    }
    for (const event of events) {
      const info = eventRegistry.infoOf(event);
      this.#handlerFor(event, info.name).call(this, event);
      this.#version += 1;
    }
  }

  /**
   * Applies what one stored event is today, without recording it, and moves the version by one:
   * the event itself, or the several events an upcaster split it into, in order. Repositories
   * call it while rehydrating.
   */
  loadStoredEvent(events: readonly object[]): void {
    if (this.#uncommitted.length > 0) {
      throw new Error(
        `${this.constructor.name} ${this.id} has uncommitted events; history can only be loaded before raising new events`,
      );
    }
    for (const event of events) {
      const info = eventRegistry.infoOf(event);
      this.#handlerFor(event, info.name).call(this, event);
    }
    this.#version += 1;
  }

  /**
   * The aggregate's state for a snapshot: by default its own enumerable fields except `id`, as
   * class-transformer turns them into plain JSON. On the way back, as for event properties,
   * Dates and value objects come back as such when their field is typed `Date` or a class and
   * carries a decorator (so TypeScript emits its type), or has `@Type`; bigints need
   * `@BigIntProperty()`. The first snapshot of each class is checked to restore equal state
   * (`EventRoundTripError` otherwise). Override together with
   * {@link AggregateRoot.restoreSnapshot} for a custom shape; state kept in `#private` fields is
   * not part of the default snapshot.
   */
  toSnapshot(): object {
    const { id: _id, ...state } = instanceToPlain(this) as Record<string, unknown>;
    return state;
  }

  /**
   * Restores the state {@link AggregateRoot.toSnapshot} produced, at the version the snapshot
   * was taken; repositories call it before replaying the events after the snapshot.
   */
  restoreSnapshot(state: object, version: number): void {
    if (this.#version !== 0 || this.#uncommitted.length > 0) {
      throw new Error(
        `${this.constructor.name} ${this.id}: a snapshot can only be restored into a new instance`,
      );
    }
    if (!Number.isInteger(version) || version < 1) {
      throw new RangeError(`snapshot version must be a positive integer, got ${version}`);
    }
    const restored = plainToEvent(
      this.constructor as ValueClass,
      state as Record<string, unknown>,
    ) as Record<string, unknown>;
    for (const key of Object.keys(restored)) {
      if (key !== 'id') (this as Record<string, unknown>)[key] = restored[key];
    }
    this.#version = version;
    this.#snapshotVersion = version;
  }

  #handlerFor(event: object, eventType: string): (event: object) => void {
    const handler = findEventHandler(
      Object.getPrototypeOf(this) as object,
      event.constructor as EventClass,
    );
    if (!handler) throw new MissingEventHandlerError(this.constructor.name, eventType);
    return handler;
  }
}

/** A concrete aggregate class, constructible from its id. */
export type AggregateClass<T extends AggregateRoot = AggregateRoot> = new (id: string) => T;
