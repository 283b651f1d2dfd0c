import { TesseraError } from '../../domain/errors/tessera-error';

/**
 * A projection fed by logical replication had progressed through a slot that no longer exists:
 * the slot it finds now started later, so the events committed in between would never reach it.
 * Rebuild the projection (it then catches up from the events table and hands over to the slot).
 */
export class ReplicationSlotLostError extends TesseraError {
  readonly code = 'TESSERA_REPLICATION_SLOT_LOST';

  constructor(
    readonly projection: string,
    readonly slotName: string,
    /** The end LSN of the last transaction the projection applied through the old slot. */
    readonly appliedLsn: string,
  ) {
    super(
      `replication slot ${slotName} of projection ${projection} was recreated after the projection had applied up to ${appliedLsn}; events committed meanwhile are not in the new slot: rebuild the projection`,
    );
  }
}
