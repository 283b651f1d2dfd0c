import { TesseraError } from './tessera-error';

/**
 * The switch to the partitioned layout found the copy incomplete: `events` and the partitioned
 * copy hold different numbers of events under the switch's lock. The switch was rolled back and
 * `events` is unchanged; the likely cause is a hand-made change to the copy. Drop
 * `events_partitioned` and run the migration again.
 */
export class PartitionCopyMismatchError extends TesseraError {
  readonly code = 'TESSERA_PARTITION_COPY_MISMATCH';

  constructor(
    /** Events in the plain table. */
    readonly plain: number,
    /** Events in the partitioned copy. */
    readonly partitioned: number,
  ) {
    super(
      `partitioning rolled back: events holds ${plain} events, the partitioned copy ${partitioned}; ` +
        'drop events_partitioned and run the migration again',
    );
  }
}
