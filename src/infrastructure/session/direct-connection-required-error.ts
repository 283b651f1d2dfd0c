import { TesseraError } from '../../domain/errors/tessera-error';

/**
 * A component that needs a server session of its own (replication, a session lock) was given
 * only a data source behind a transaction-mode pooler, which hands server sessions from client
 * to client between transactions. Pass it a direct connection (docs/operations.md).
 */
export class DirectConnectionRequiredError extends TesseraError {
  readonly code = 'TESSERA_DIRECT_CONNECTION_REQUIRED';

  constructor(
    /** What refused to start, e.g. `ReplicationProjectionRunner`. */
    readonly component: string,
    /** The options that take a direct connection. */
    readonly options: readonly string[],
  ) {
    super(
      `${component} needs a direct connection to PostgreSQL, but its data source goes through a transaction-mode pooler: pass ${options.join(' and ')} with the server's own address (see docs/operations.md)`,
    );
  }
}
