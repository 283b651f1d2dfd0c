import { TesseraError } from './tessera-error';

/**
 * A save claimed a unique value (an e-mail address, an order number) that another aggregate
 * holds: nothing of the save was written.
 */
export class UniqueValueTakenError extends TesseraError {
  readonly code = 'TESSERA_UNIQUE_VALUE_TAKEN';

  constructor(
    readonly scope: string,
    readonly value: string,
    /** The aggregate that holds the value. */
    readonly heldBy: string,
    /** The aggregate the save claimed it for. */
    readonly claimedFor: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${scope} ${JSON.stringify(value)} is held by aggregate ${heldBy}; ` +
        `the save claiming it for ${claimedFor} wrote nothing`,
      options,
    );
  }
}
