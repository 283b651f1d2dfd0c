import { TesseraError } from './tessera-error';

/**
 * An event holding `@PersonalData` values was saved to an `EventRepository` created without the
 * `personalData` option (its master key): rather than store the values in plain text, nothing
 * was written.
 */
export class PersonalDataNotConfiguredError extends TesseraError {
  readonly code = 'TESSERA_PERSONAL_DATA_NOT_CONFIGURED';

  constructor(
    /** The registered event type name. */
    readonly eventType: string,
  ) {
    super(
      `event ${eventType} holds personal data, but the repository has no personalData option: pass { personalData: { masterKey } } to EventRepository`,
    );
  }
}
