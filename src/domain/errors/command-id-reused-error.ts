import { TesseraError } from './tessera-error';

/**
 * A save carried a command id (idempotency key) already stored for the aggregate with other
 * events: a different command under the same id. Nothing was written. Give each command its own
 * id; a retry of the same command produces the same events and is answered as a replay.
 */
export class CommandIdReusedError extends TesseraError {
  readonly code = 'TESSERA_COMMAND_ID_REUSED';

  constructor(
    readonly aggregateId: string,
    readonly aggregateType: string,
    readonly commandId: string,
  ) {
    super(
      `commandId ${JSON.stringify(commandId)} was already used on ${aggregateType} ${aggregateId} ` +
        'with other events; nothing was written. Use a new id for a different command',
    );
  }
}
