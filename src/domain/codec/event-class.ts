/**
 * A domain event class. Tessera rebuilds stored events with `new EventClass()` (through
 * class-transformer) and then assigns the stored properties, so an event's constructor must not
 * throw when called without arguments.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructor parameters are the user's own
export type EventClass<E extends object = object> = new (...args: any[]) => E;

/** Accepts any object whose class is a registered domain event. */
export type DomainEventInstance = object;
