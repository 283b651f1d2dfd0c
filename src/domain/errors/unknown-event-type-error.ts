import { TesseraError } from './tessera-error';
import type { StoredEventLocation } from './invalid-event-error';

/**
 * A stored event's `event_type` has no class registered with `@DomainEvent`. Rehydration stops:
 * an aggregate is never built from part of its history.
 */
export class UnknownEventTypeError extends TesseraError {
  readonly code = 'TESSERA_UNKNOWN_EVENT_TYPE';

  constructor(
    readonly eventType: string,
    readonly location?: StoredEventLocation,
  ) {
    super(
      `no event class is registered for event type "${eventType}"` +
        (location
          ? ` (stored for ${location.aggregateType} ${location.aggregateId} at version ${location.version})`
          : '') +
        '; decorate the class with @DomainEvent and make sure its module is loaded before rehydration',
    );
  }
}
