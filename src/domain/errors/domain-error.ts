/**
 * Base class for your own business-rule violations (an overdraft, a closed account...).
 * Throw it (or a subclass) from aggregate command methods; Tessera never catches it, so it
 * reaches the caller of `update()` or of the command as it was thrown.
 *
 * @example
 * ```ts
 * export class InsufficientFundsError extends DomainError {
 *   constructor(readonly balance: number, readonly requested: number) {
 *     super(`cannot withdraw ${requested}: balance is ${balance}`, 'INSUFFICIENT_FUNDS');
 *   }
 * }
 * ```
 */
export class DomainError extends Error {
  /** Stable identifier of the rule that was broken; defaults to `DOMAIN_ERROR`. */
  readonly code: string;

  constructor(message: string, code = 'DOMAIN_ERROR') {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}
