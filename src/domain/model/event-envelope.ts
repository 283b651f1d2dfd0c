/**
 * The facts around an event, kept apart from its payload and stored in the `metadata` column.
 */
export interface EventMetadata {
  /** Payload schema version the event was written with (see `@DomainEvent({ version })`). */
  readonly schemaVersion: number;
  /** When the aggregate raised the event (ISO 8601), not when the row was inserted. */
  readonly occurredAt: string;
  /** Id shared by every event caused by one request or business flow. */
  readonly correlationId?: string;
  /** Id of the message (command or event) that caused this event. */
  readonly causationId?: string;
  /** Free string headers: actor, tenant, trace ids... */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Metadata given when saving, applied to every event of the save. */
export interface EventMetadataOptions {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Shortcut for `headers.actor`. */
  readonly actor?: string;
  /** Shortcut for `headers.tenant`. */
  readonly tenant?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An event raised by an aggregate and not yet saved. */
export interface UncommittedEvent<E extends object = object> {
  /** Becomes the row's `id`; generated when the event is raised. */
  readonly eventId: string;
  /** The aggregate version this event will have once saved. */
  readonly version: number;
  readonly occurredAt: Date;
  readonly event: E;
  /** The registered event type name. */
  readonly eventType: string;
  /**
   * The payload's JSON text, taken when the event was raised, right after it was validated: what
   * is stored is exactly what was validated and applied, even if the object is changed later.
   */
  readonly json: string;
}

/** An event as it is stored: a row of the `events` table, payload still plain JSON. */
export interface StoredEvent {
  readonly eventId: string;
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly eventType: string;
  readonly version: number;
  readonly payload: unknown;
  readonly metadata: EventMetadata;
  /** Database insertion time; absent in memory-only stores that do not track it. */
  readonly createdAt?: Date;
}

/** A rehydrated event with its envelope, as read from the store. */
export interface EventEnvelope<E extends object = object> {
  readonly eventId: string;
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly eventType: string;
  readonly version: number;
  readonly event: E;
  readonly metadata: EventMetadata;
}
