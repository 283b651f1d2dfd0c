import { TesseraError } from './tessera-error';
import type { StoredEventLocation } from './invalid-event-error';

/**
 * A stored event has a schema version newer than the running code knows: it was written by a
 * newer release (a rolling deploy, or a rollback). Reading it as the older class would misread
 * it, so it is refused; deploy the newer code on every reader first.
 */
export class EventFromNewerCodeError extends TesseraError {
  readonly code = 'TESSERA_EVENT_FROM_NEWER_CODE';

  constructor(
    /** The stored event type name. */
    readonly eventType: string,
    /** The schema version the event was written with. */
    readonly storedVersion: number,
    /** The newest version of the type this code reads. */
    readonly knownVersion: number,
    /** The stored event's aggregate and version; absent outside a stream. */
    readonly location: StoredEventLocation | undefined,
  ) {
    super(
      `event ${eventType} ` +
        (location
          ? `of ${location.aggregateType} ${location.aggregateId} at version ${location.version} `
          : '') +
        `was written with schema version ${storedVersion}, but this code knows versions up to ` +
        `${knownVersion}: it comes from a newer release; run that release (or newer) to read it`,
    );
  }
}
