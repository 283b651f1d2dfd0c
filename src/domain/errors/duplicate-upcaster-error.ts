import { TesseraError } from './tessera-error';

/**
 * Two upcasters were registered for the same step (one event type, one version): which one a
 * load would run is not decidable, so the second registration is refused.
 */
export class DuplicateUpcasterError extends TesseraError {
  readonly code = 'TESSERA_DUPLICATE_UPCASTER';

  constructor(
    /** The stored event type name of the step. */
    readonly eventType: string,
    /** The version the step upcasts from. */
    readonly fromVersion: number,
  ) {
    super(
      `an upcaster from version ${fromVersion} of event type "${eventType}" is already registered; ` +
        'each step of a chain has exactly one upcaster: remove or merge the second one',
    );
  }
}
