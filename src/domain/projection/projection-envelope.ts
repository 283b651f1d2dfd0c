import type { EventEnvelope } from '../model/event-envelope';

/**
 * An event as a projection handler sees it: the typed event instance, its envelope, and where it
 * sits in the global feed. `position` and `transactionId` are the `events` row's columns as
 * decimal strings (bigint and xid8 do not fit a JavaScript number).
 */
export interface ProjectionEnvelope<E extends object = object> extends EventEnvelope<E> {
  /** The row's `position`: its place in append order (gaps and out-of-order commits exist). */
  readonly position: string;
  /** The row's `transaction_id` (xid8): the appending transaction. */
  readonly transactionId: string;
  /** Database insertion time (the appending transaction's start). */
  readonly createdAt: Date;
}
