import { RegistrationError } from '../errors/registration-error';
import { UnregisteredEventError } from '../errors/unregistered-event-error';
import type { EventClass } from './event-class';

/** What `@DomainEvent` recorded about one event class. */
export interface EventTypeInfo<E extends object = object> {
  /** The stable name stored in `event_type`. */
  readonly name: string;
  /** The payload schema version written with new events (for upcasting old ones). */
  readonly version: number;
  readonly type: EventClass<E>;
  /** The file the class was decorated in, when known (see {@link EventRegistry.register}). */
  readonly definedIn?: string;
}

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,254}$/;

/**
 * Maps stable event type names to classes and back. One process-wide instance,
 * {@link eventRegistry}, is filled by `@DomainEvent`.
 */
export class EventRegistry {
  readonly #byName = new Map<string, EventTypeInfo>();
  readonly #byClass = new Map<EventClass, EventTypeInfo>();
  #generation = 0;

  /** Moves on with every registration: what was checked against the registry may be stale. */
  get generation(): number {
    return this.#generation;
  }

  /** Every registered event class. */
  all(): IterableIterator<EventTypeInfo> {
    return this.#byName.values();
  }

  /**
   * Registers a class; rejects a name or class that is already registered. A class of the same
   * name decorated in the same file (`definedIn`) replaces the earlier one: that is a test
   * watcher evaluating the module again, not a second class claiming the name.
   */
  register<E extends object>(
    type: EventClass<E>,
    name: string,
    version: number,
    definedIn?: string,
  ): EventTypeInfo<E> {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new RegistrationError(
        `event type name ${JSON.stringify(name)} on ${type.name} is invalid: use 1-255 characters, a letter first, then letters, digits, '_', '.', ':' or '-'`,
      );
    }
    if (!Number.isInteger(version) || version < 1) {
      throw new RegistrationError(
        `event ${name}: version must be a positive integer, got ${version}`,
      );
    }
    const existing = this.#byName.get(name);
    if (
      existing &&
      existing.type !== type &&
      definedIn !== undefined &&
      existing.definedIn === definedIn &&
      existing.type.name === type.name
    ) {
      this.#byClass.delete(existing.type);
      this.#byName.delete(name);
      if (this.#lastName === name) this.#lastName = undefined;
    } else if (existing) {
      throw new RegistrationError(
        `event type name "${name}" is already used by class ${existing.type.name}; ${type.name} needs another name`,
      );
    }
    const again = this.#byClass.get(type);
    if (again) {
      throw new RegistrationError(`class ${type.name} is already registered as "${again.name}"`);
    }
    const info: EventTypeInfo<E> = Object.freeze({ name, version, type, definedIn });
    this.#byName.set(name, info);
    this.#byClass.set(type, info);
    this.#generation += 1;
    return info;
  }

  /** The last name found, and what it found: a replay asks for the same few names in a row. */
  #lastName: string | undefined;
  #lastFound: EventTypeInfo | undefined;

  /** The class registered under `name`, or undefined. */
  findByName(name: string): EventTypeInfo | undefined {
    // Each row read brings its type name as a new string, which a Map lookup hashes first;
    // comparing with the last name found is cheaper when, as in most streams, it is the same.
    if (name === this.#lastName) return this.#lastFound;
    const info = this.#byName.get(name);
    if (info) {
      this.#lastName = name;
      this.#lastFound = info;
    }
    return info;
  }

  /** The registration of an event instance's class; throws {@link UnregisteredEventError}. */
  infoOf(event: object): EventTypeInfo {
    const info = this.#byClass.get(event.constructor as EventClass);
    if (!info) throw new UnregisteredEventError(event?.constructor?.name ?? typeof event);
    return info;
  }

  /** The registration of an event class, or undefined. */
  findByClass(type: EventClass): EventTypeInfo | undefined {
    return this.#byClass.get(type);
  }
}

/** The registry that `@DomainEvent` fills and the serializer reads. */
export const eventRegistry = new EventRegistry();
