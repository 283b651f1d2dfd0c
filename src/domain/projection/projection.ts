import { RegistrationError } from '../errors/registration-error';
import { UnregisteredEventError } from '../errors/unregistered-event-error';
import type { EventClass } from '../codec/event-class';
import { eventRegistry, type EventRegistry } from '../codec/event-registry';
import type { ProjectionEnvelope } from './projection-envelope';

/**
 * Handles one event type for a projection. `context` is what the runner provides (for the
 * PostgreSQL runners, the transaction's EntityManager), so writes join the runner's transaction.
 */
export type ProjectionHandler<E extends object, C> = (
  event: E,
  envelope: ProjectionEnvelope<E>,
  context: C,
) => void | Promise<void>;

/** Options of {@link Projection}. */
export interface ProjectionOptions {
  /** Only events of these aggregate types reach the handlers; all types when omitted. */
  readonly aggregateTypes?: readonly string[];
  /** Registry that maps handled event classes to their stored names. Default: the global one. */
  readonly registry?: EventRegistry;
}

/** Projection names end up in slot names and checkpoint keys: keep them plain. */
const NAME_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

/**
 * A read model's definition: a stable name and a handler per event type. It is pure: runners
 * decide where events come from (inline with the append, the ordered feed, or logical
 * replication) and what `context` handlers receive. Events without a handler are skipped without
 * being deserialized.
 *
 * @example
 * ```ts
 * const balances = new Projection<ProjectionContext>('account_balances')
 *   .on(AccountOpened, (e, env, { manager }) => manager.insert(Balance, { id: env.aggregateId }))
 *   .on(MoneyDeposited, (e, env, { manager }) =>
 *     manager.increment(Balance, { id: env.aggregateId }, 'balance', e.amount))
 *   .onReset(({ manager }) => manager.clear(Balance));
 * ```
 */
export class Projection<C> {
  /** Stable name: the checkpoint key, lock key and default slot name. */
  readonly name: string;
  /** Aggregate types the projection listens to; undefined means all. */
  readonly aggregateTypes?: readonly string[];
  readonly #registry: EventRegistry;
  readonly #handlers = new Map<string, ProjectionHandler<object, C>>();
  #reset?: (context: C) => void | Promise<void>;

  /** @param name 1-48 characters: lower-case letters, digits and `_`, starting with a letter. */
  constructor(name: string, options: ProjectionOptions = {}) {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new RegistrationError(
        `projection name ${JSON.stringify(name)} is invalid: use 1-48 lower-case letters, digits or '_', starting with a letter`,
      );
    }
    this.name = name;
    if (options.aggregateTypes !== undefined) {
      this.aggregateTypes = Object.freeze([...options.aggregateTypes]);
    }
    this.#registry = options.registry ?? eventRegistry;
  }

  /** Registers the handler of one event class; a second handler for the same class is rejected. */
  on<E extends object>(type: EventClass<E>, handler: ProjectionHandler<E, C>): this {
    const info = this.#registry.findByClass(type);
    if (!info) throw new UnregisteredEventError(type?.name ?? String(type));
    if (this.#handlers.has(info.name)) {
      throw new RegistrationError(
        `projection ${this.name} already has a handler for event type "${info.name}"`,
      );
    }
    this.#handlers.set(info.name, handler as ProjectionHandler<object, C>);
    return this;
  }

  /**
   * Registers what a rebuild runs first, in the same transaction as the checkpoint reset:
   * typically deleting the read model's rows.
   */
  onReset(reset: (context: C) => void | Promise<void>): this {
    this.#reset = reset;
    return this;
  }

  /** The stored names of the event types that have a handler. */
  get eventTypes(): readonly string[] {
    return [...this.#handlers.keys()];
  }

  /** Whether an event of this stored type and aggregate type reaches a handler. */
  handles(eventType: string, aggregateType: string): boolean {
    return (
      this.#handlers.has(eventType) &&
      (this.aggregateTypes === undefined || this.aggregateTypes.includes(aggregateType))
    );
  }

  /** Runs the handler of the envelope's event type, if there is one. */
  async apply(envelope: ProjectionEnvelope, context: C): Promise<void> {
    if (!this.handles(envelope.eventType, envelope.aggregateType)) return;
    await this.#handlers.get(envelope.eventType)?.(envelope.event, envelope, context);
  }

  /** Runs the reset registered with {@link Projection.onReset}; nothing when none was. */
  async reset(context: C): Promise<void> {
    await this.#reset?.(context);
  }
}
