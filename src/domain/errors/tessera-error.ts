/**
 * Base class of every error Tessera throws on purpose. Each subclass has a stable
 * {@link TesseraError.code} that callers can switch on, and carries the facts of the failure
 * as typed fields, so nobody has to parse a message.
 */
export abstract class TesseraError extends Error {
  /** A stable, machine-readable identifier of the failure kind, e.g. `TESSERA_CONCURRENCY`. */
  abstract readonly code: string;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
