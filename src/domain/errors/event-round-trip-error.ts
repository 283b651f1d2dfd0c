import { TesseraError } from './tessera-error';

/**
 * An event (or an aggregate's snapshot) would not come back from storage as it went in: found
 * on the first raise of its class in a process (the first snapshot, for a snapshot), before
 * anything was recorded or written. Stored, it would load as something else or fail every load,
 * so it is refused; {@link EventRoundTripError.fix} says what to declare.
 */
export class EventRoundTripError extends TesseraError {
  readonly code = 'TESSERA_EVENT_ROUND_TRIP';

  constructor(
    /** What was checked: `event "Library.BookAdded"` or `snapshot of "Library"`. */
    readonly subject: string,
    /** The class whose property differs (the event's own class or a nested one). */
    readonly className: string,
    /** Dotted path of the property from the event's (or aggregate's) root; '' for the root. */
    readonly path: string,
    /** What was raised, described (`Date 2026-12-02T01:20:00.000Z`, `Owner {…}`). */
    readonly written: string,
    /** What a load would give back, described (`string "2026-12-02T01:20:00.000Z"`). */
    readonly readBack: string,
    /** The change to the class that makes it round-trip. */
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${subject} would not load back as it was raised: ${path === '' ? 'the value' : path} ` +
        `(in ${className}) is ${written} when raised but ${readBack} when read back. Fix: ${fix}`,
      options,
    );
  }
}
