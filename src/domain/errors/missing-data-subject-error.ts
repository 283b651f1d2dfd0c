import { TesseraError } from './tessera-error';

/**
 * An event holding `@PersonalData` values was saved without a data subject: its class declares
 * none (`@DataSubject()` on a property or `@DataSubjectOf(...)` on the class), or the subject it
 * gave is not a string of 1-255 characters. Nothing was written.
 */
export class MissingDataSubjectError extends TesseraError {
  readonly code = 'TESSERA_MISSING_DATA_SUBJECT';

  constructor(
    /** The registered event type name. */
    readonly eventType: string,
    /** True when the class declares a subject but this event's is empty or not a string. */
    readonly declared: boolean,
  ) {
    super(
      declared
        ? `event ${eventType} holds personal data but its data subject is not a string of 1-255 characters`
        : `event ${eventType} holds personal data but declares no data subject: add @DataSubject() to the property holding the person's id, or @DataSubjectOf(...) to the class`,
    );
  }
}
