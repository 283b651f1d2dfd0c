import { TesseraError } from '../../domain/errors/tessera-error';

/**
 * Behind a transaction-mode pooler the statement timeout cannot travel as a startup parameter,
 * so it must be the role's or the database's setting; the server applies another value.
 */
export class StatementTimeoutNotInForceError extends TesseraError {
  readonly code = 'TESSERA_STATEMENT_TIMEOUT_NOT_IN_FORCE';

  constructor(
    /** The `statementTimeoutMs` the data source was created with. */
    readonly configuredMs: number,
    /** What the server applies to this role and database, in ms (0: no timeout). */
    readonly inForceMs: number,
    /** The role the pooler connects as. */
    readonly role: string,
    /** The database behind the pooler. */
    readonly database: string,
  ) {
    super(
      `the connection goes through a transaction-mode pooler, which cannot pass statement_timeout ` +
        `as a startup parameter, and the server applies ${inForceMs} ms instead of the configured ` +
        `${configuredMs} ms: run ALTER ROLE "${role}" IN DATABASE "${database}" SET statement_timeout = ` +
        `${configuredMs} (then RECONNECT in PgBouncer's console), or pass statementTimeoutMs: ${inForceMs}`,
    );
  }
}
