import { TesseraError } from './tessera-error';

/**
 * An event holds a value JSON cannot represent faithfully (NaN, Infinity, a function, a symbol,
 * a cycle, an invalid Date, a bigint without `@BigIntProperty()`), or is larger than the
 * configured limit. Nothing was written.
 */
export class UnserializableEventError extends TesseraError {
  readonly code = 'TESSERA_UNSERIALIZABLE_EVENT';

  constructor(
    readonly eventType: string,
    /** Dotted path to the offending value (empty for the whole event). */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`event ${eventType} cannot be stored as JSON: ${path ? `${path}: ` : ''}${reason}`);
  }
}
