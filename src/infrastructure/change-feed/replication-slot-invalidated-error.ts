import { TesseraError } from '../../domain/errors/tessera-error';

/**
 * PostgreSQL invalidated the replication slot (`wal_status = 'lost'`): it removed WAL the slot
 * still needed, typically because the consumer was stopped longer than `max_slot_wal_keep_size`
 * allows. Changes committed since its last acknowledgement can no longer be streamed; they are
 * still in the events table. Recovery: docs/operations.md, "An invalidated replication slot".
 */
export class ReplicationSlotInvalidatedError extends TesseraError {
  readonly code = 'TESSERA_REPLICATION_SLOT_INVALIDATED';

  constructor(
    readonly slotName: string,
    /** The server's explanation (its DETAIL), e.g. `... invalidated because ... wal_removed`. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `replication slot ${slotName} was invalidated by PostgreSQL (${detail}); what was committed since its last acknowledgement is only in the events table now: recreate the slot and catch up from the table (for a ReplicationProjectionRunner: rebuildProjection), see docs/operations.md`,
      options,
    );
  }
}

/**
 * The invalidated-slot error for a server error that says so (SQLSTATE 55000 on reading the
 * slot), or undefined for any other error.
 */
export function asSlotInvalidated(
  slotName: string,
  error: unknown,
): ReplicationSlotInvalidatedError | undefined {
  if (error instanceof ReplicationSlotInvalidatedError) return error;
  const { code, message, detail } = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    detail?: unknown;
  };
  if (code !== '55000' || typeof message !== 'string') return undefined;
  // PostgreSQL 15 says "cannot read from logical replication slot", 18 "can no longer access
  // replication slot"; both explain the invalidation in the DETAIL.
  const said = `${message} ${typeof detail === 'string' ? detail : ''}`;
  if (!/replication slot/i.test(message) || !/invalidated|cannot read|no longer/i.test(said)) {
    return undefined;
  }
  const reason = typeof detail === 'string' && detail !== '' ? detail : message;
  return new ReplicationSlotInvalidatedError(slotName, reason, { cause: error });
}
