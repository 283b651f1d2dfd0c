import { TesseraError } from './tessera-error';

/**
 * A decorator was used wrongly: a duplicate event or aggregate name, an invalid name or
 * version, a second handler for the same event. Thrown at decoration time, when the module loads.
 */
export class RegistrationError extends TesseraError {
  readonly code = 'TESSERA_REGISTRATION';

  constructor(message: string) {
    super(message);
  }
}
