import { TesseraError } from './tessera-error';

/**
 * An archive batch did not check out: the events copied to the archive, the events removed
 * from the hot table and the events counted before the batch differ. The batch was rolled back,
 * nothing moved; a concurrent hand-made change to either table is the likely cause.
 */
export class ArchiveCountMismatchError extends TesseraError {
  readonly code = 'TESSERA_ARCHIVE_COUNT_MISMATCH';

  constructor(
    /** Events the batch set out to move. */
    readonly expected: number,
    /** Events copied into the archive. */
    readonly copied: number,
    /** Events deleted from the hot table. */
    readonly removed: number,
  ) {
    super(
      `archive batch rolled back: ${expected} events to move, ${copied} copied, ${removed} removed; ` +
        'check for concurrent changes to the events and events_archive tables and run the archiver again',
    );
  }
}
