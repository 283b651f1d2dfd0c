import { TesseraError } from './tessera-error';

/**
 * Another writer appended to the aggregate since it was loaded: the save was rejected whole and
 * nothing of it was written. Reload the aggregate and run the command again (the repository's
 * `update()` does exactly that).
 */
export class ConcurrencyError extends TesseraError {
  readonly code = 'TESSERA_CONCURRENCY';

  constructor(
    readonly aggregateId: string,
    readonly aggregateType: string,
    /** The version the writer based its events on. */
    readonly expectedVersion: number,
    /** The stream's version found in the store when the save was rejected. */
    readonly actualVersion: number,
    options?: { cause?: unknown },
  ) {
    super(
      `${aggregateType} ${aggregateId} was changed concurrently: expected version ${expectedVersion}, ` +
        `found ${actualVersion}; reload it and retry the command`,
      options,
    );
  }
}
