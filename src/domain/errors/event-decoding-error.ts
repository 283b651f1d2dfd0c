import { TesseraError } from './tessera-error';
import type { StoredEventLocation } from './invalid-event-error';

/**
 * Building an event instance from a stored payload failed (a constructor or a setter threw, a
 * class-transformer `@Transform` failed): the error says which stored event, and keeps the
 * original failure as its `cause`.
 */
export class EventDecodingError extends TesseraError {
  readonly code = 'TESSERA_EVENT_DECODING';

  constructor(
    /** The registered event type name. */
    readonly eventType: string,
    /** The stored event's aggregate and version; absent when decoding outside a stream. */
    readonly location: StoredEventLocation | undefined,
    /** The original failure's message. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${location ? `stored event ${eventType} (aggregate ${location.aggregateType} ${location.aggregateId}, version ${location.version})` : `event ${eventType}`} ` +
        `could not be built from its payload: ${reason}`,
      options,
    );
  }
}
