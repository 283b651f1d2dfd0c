import { RegistrationError } from '../errors/registration-error';
import type { EventClass } from '../codec/event-class';

type Handler = (event: object) => void;
const ownHandlers = new WeakMap<object, Map<EventClass, string>>();
const resolved = new WeakMap<object, Map<EventClass, Handler>>();
/** The handler found last (a prototype's table never changes once it is built). */
const last: { prototype?: object; eventClass?: EventClass; handler?: Handler } = {};

/**
 * Marks an aggregate method as the handler of one event class. Handlers change state and nothing
 * else: they run when the event is raised and again on every replay.
 *
 * @example
 * ```ts
 * @Apply(MoneyDeposited)
 * private onDeposited(event: MoneyDeposited) { this.balance += event.amount; }
 * ```
 */
export function Apply(eventClass: EventClass) {
  return (prototype: object, method: string | symbol): void => {
    if (typeof eventClass !== 'function') {
      throw new RegistrationError(
        `@Apply on ${String(method)} needs an event class; got ${String(eventClass)} (check for a circular import)`,
      );
    }
    let map = ownHandlers.get(prototype);
    if (!map) ownHandlers.set(prototype, (map = new Map<EventClass, string>()));
    const other = map.get(eventClass);
    if (other !== undefined) {
      throw new RegistrationError(
        `${eventClass.name} already has the handler ${other} on ${prototype.constructor.name}; ${String(method)} would be a second one`,
      );
    }
    map.set(eventClass, String(method));
  };
}

/**
 * The handler of `eventClass` on an aggregate prototype, looking through base classes
 * (a subclass's handler wins). Cached per prototype.
 */
export function findEventHandler(prototype: object, eventClass: EventClass): Handler | undefined {
  // A replay asks for the same few handlers of one class in a row.
  if (prototype === last.prototype && eventClass === last.eventClass) return last.handler;
  let table = resolved.get(prototype);
  if (!table) {
    table = new Map();
    const chain: object[] = [];
    for (
      let p: object | null = prototype;
      p && p !== Object.prototype;
      p = Object.getPrototypeOf(p) as object | null
    ) {
      chain.unshift(p);
    }
    for (const p of chain) {
      for (const [type, method] of ownHandlers.get(p) ?? []) {
        table.set(type, (p as Record<string, Handler>)[method]);
      }
    }
    resolved.set(prototype, table);
  }
  const handler = table.get(eventClass);
  last.prototype = prototype;
  last.eventClass = eventClass;
  last.handler = handler;
  return handler;
}

/** The event classes an aggregate prototype (its base classes' included) has handlers for. */
export function handledEventClasses(prototype: object): EventClass[] {
  const classes: EventClass[] = [];
  for (
    let p: object | null = prototype;
    p && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    for (const type of ownHandlers.get(p)?.keys() ?? []) classes.push(type);
  }
  return classes;
}
