import type { StoredEventLocation } from '../errors/invalid-event-error';

/** What an upcaster is told about the stored event it upcasts (absent outside a stream). */
export interface UpcastContext {
  /** The stored event's aggregate and version, when it was read from a stream. */
  readonly location?: StoredEventLocation;
}

/**
 * Brings the stored payload of one event type from `fromVersion` to `fromVersion + 1`, as JSON:
 * it runs before the payload is built into its class and validated. The payload is parsed
 * afresh for every read, so the function may change it and return it.
 *
 * @example
 * ```ts
 * registerUpcaster<{ amount: number }>({
 *   type: 'BankAccount.MoneyDeposited',
 *   fromVersion: 1,
 *   upcast: (payload) => ({ ...payload, currency: 'EUR' }),
 * });
 * ```
 */
export interface PayloadUpcaster<From extends object = Record<string, unknown>> {
  /** The stored event type name (`event_type`). */
  readonly type: string;
  /** The version it upcasts from; the result is `fromVersion + 1` of the same type. */
  readonly fromVersion: number;
  readonly upcast: (payload: From, context: UpcastContext) => object;
}

/**
 * Turns one stored event into other events: a rename (one event of another type) or a split
 * (several events, applied in order as one stored version). Each result continues through its
 * own type's chain until it reaches its class's current version. `into` lists every type it may
 * produce, so chains and feed filters are checked and expanded before anything is read.
 *
 * @example
 * ```ts
 * registerUpcaster({
 *   type: 'BankAccount.FundsAdded', // the old name of MoneyDeposited
 *   fromVersion: 1,
 *   into: ['BankAccount.MoneyDeposited'],
 *   upcast: (payload) => [{ type: 'BankAccount.MoneyDeposited', version: 1, payload }],
 * });
 * ```
 */
export interface EventUpcaster<From extends object = Record<string, unknown>> {
  /** The stored event type name (`event_type`). */
  readonly type: string;
  /** The version it upcasts from. */
  readonly fromVersion: number;
  /** Every event type its results may have. */
  readonly into: readonly string[];
  readonly upcast: (payload: From, context: UpcastContext) => readonly UpcastedEvent[];
}

/** One event an {@link EventUpcaster} produces: a type, the version its payload has, the payload. */
export interface UpcastedEvent {
  readonly type: string;
  readonly version: number;
  readonly payload: object;
}

/** A step of an upcaster chain: a payload change, or a rename or split. */
export type Upcaster<From extends object = Record<string, unknown>> =
  PayloadUpcaster<From> | EventUpcaster<From>;
