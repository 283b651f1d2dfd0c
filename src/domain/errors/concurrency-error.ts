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
    options?: { cause?: unknown; byCondition?: boolean },
  ) {
    super(
      options?.byCondition
        ? `${aggregateType || 'aggregate'} ${aggregateId}, which the save required unchanged at ` +
            `version ${expectedVersion}, is at version ${actualVersion}; re-read it and decide the ` +
            'command again'
        : `${aggregateType} ${aggregateId} was changed concurrently: expected version ${expectedVersion}, ` +
            `found ${actualVersion}; reload it and retry the command`,
      options,
    );
    this.byCondition = options?.byCondition ?? false;
  }

  /**
   * True when the aggregate is one the save only required unchanged (`SaveOptions.unchanged`)
   * and did not write: running the same command again cannot succeed, so `update()` does not
   * retry it.
   */
  readonly byCondition: boolean;
}
