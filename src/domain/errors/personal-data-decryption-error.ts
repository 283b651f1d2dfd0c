import { TesseraError } from './tessera-error';

/**
 * A stored personal value did not decrypt with its subject's key: the value or the key row was
 * altered, or the key was unwrapped with another master key. Not the result of `forget` (a
 * forgotten value reads as the placeholder).
 */
export class PersonalDataDecryptionError extends TesseraError {
  readonly code = 'TESSERA_PERSONAL_DATA_DECRYPTION';

  constructor(
    /** The id of the data key the value names. */
    readonly keyId: string,
    options?: ErrorOptions,
  ) {
    super(
      `a personal value sealed with data key ${keyId} does not decrypt: the stored value or key was altered, or the master key is not the one that wrapped it`,
      options,
    );
  }
}
