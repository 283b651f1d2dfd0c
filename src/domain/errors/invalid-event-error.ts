import { TesseraError } from './tessera-error';

/** One failed validation constraint of an event, located by its property path. */
export interface EventViolation {
  /** Dotted path from the event's root, e.g. `amount` or `lines.0.price.currency`. */
  readonly property: string;
  /** The failed constraints, by class-validator constraint name, with their messages. */
  readonly constraints: Readonly<Record<string, string>>;
}

/** Where a rehydrated event came from, when the invalid event was read from storage. */
export interface StoredEventLocation {
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly version: number;
}

/**
 * An event failed its class-validator constraints: when it was raised (nothing was recorded
 * or applied), or when it was read back from storage (no aggregate was returned).
 */
export class InvalidEventError extends TesseraError {
  readonly code = 'TESSERA_INVALID_EVENT';

  constructor(
    /** The registered event type name. */
    readonly eventType: string,
    /** Every failed constraint, not only the first. */
    readonly violations: readonly EventViolation[],
    /** Set when the event was rehydrated from storage. */
    readonly location?: StoredEventLocation,
  ) {
    super(
      `${location ? `stored event ${eventType} (aggregate ${location.aggregateType} ${location.aggregateId}, version ${location.version})` : `event ${eventType}`} is invalid: ` +
        violations
          .map((v) => `${v.property}: ${Object.values(v.constraints).join('; ')}`)
          .join(' | '),
    );
  }
}
