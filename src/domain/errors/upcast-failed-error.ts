import { TesseraError } from './tessera-error';
import type { StoredEventLocation } from './invalid-event-error';

/**
 * An upcaster threw, or returned something other than what it declares (a payload object, or
 * events of its `into` types with positive integer versions). The stored event is not loaded;
 * the original failure is the `cause`.
 */
export class UpcastFailedError extends TesseraError {
  readonly code = 'TESSERA_UPCAST_FAILED';

  constructor(
    /** The event type the failing upcaster was registered for. */
    readonly eventType: string,
    /** The version it upcasts from. */
    readonly fromVersion: number,
    /** The stored event's aggregate and version; absent outside a stream. */
    readonly location: StoredEventLocation | undefined,
    /** What went wrong. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the upcaster from version ${fromVersion} of "${eventType}" failed` +
        (location
          ? ` on the event of ${location.aggregateType} ${location.aggregateId} at version ${location.version}`
          : '') +
        `: ${reason}`,
      options,
    );
  }
}
