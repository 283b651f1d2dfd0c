import { TesseraError } from './tessera-error';

/**
 * The stored versions of an aggregate are not 1..n without gaps. Never replayed silently:
 * a gap means events were lost or the table was edited by hand.
 */
export class CorruptedStreamError extends TesseraError {
  readonly code = 'TESSERA_CORRUPTED_STREAM';

  constructor(
    readonly aggregateId: string,
    readonly aggregateType: string,
    readonly expectedVersion: number,
    readonly foundVersion: number,
  ) {
    super(
      `stream of ${aggregateType} ${aggregateId} is corrupted: expected version ${expectedVersion}, found ${foundVersion}`,
    );
  }
}
