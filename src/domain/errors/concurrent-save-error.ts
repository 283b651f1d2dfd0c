import { TesseraError } from './tessera-error';

/** The same aggregate instance was passed to a second save while the first was still running. */
export class ConcurrentSaveError extends TesseraError {
  readonly code = 'TESSERA_CONCURRENT_SAVE';

  constructor(
    readonly aggregateType: string,
    readonly aggregateId: string,
  ) {
    super(
      `${aggregateType} ${aggregateId} is already being saved: await the first save before saving the same instance again`,
    );
  }
}
