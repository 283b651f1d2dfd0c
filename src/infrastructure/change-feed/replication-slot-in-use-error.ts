import { TesseraError } from '../../domain/errors/tessera-error';

/** A replication slot stayed active (a consumer still holds it) past the time allowed to drop it. */
export class ReplicationSlotInUseError extends TesseraError {
  readonly code = 'TESSERA_REPLICATION_SLOT_IN_USE';

  constructor(
    readonly slotName: string,
    readonly waitedMs: number,
  ) {
    super(
      `replication slot ${slotName} is still used by a consumer after ${waitedMs} ms; stop that consumer (pg_stat_replication shows it) and drop the slot again`,
    );
  }
}
