import { TesseraError } from './tessera-error';

/** Save options carried metadata that cannot be stored (wrong types, reserved or empty keys). */
export class InvalidMetadataError extends TesseraError {
  readonly code = 'TESSERA_INVALID_METADATA';

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`invalid event metadata ${field}: ${reason}`);
  }
}
