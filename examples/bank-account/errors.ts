import { DomainError } from '../../src';

export class InsufficientFundsError extends DomainError {
  constructor(
    readonly available: number,
    readonly requested: number,
  ) {
    super(`cannot withdraw ${requested}: only ${available} available`, 'INSUFFICIENT_FUNDS');
  }
}

export class AccountClosedError extends DomainError {
  constructor(readonly accountId: string) {
    super(`account ${accountId} is closed`, 'ACCOUNT_CLOSED');
  }
}

export class NonZeroBalanceError extends DomainError {
  constructor(readonly balance: number) {
    super(`an account is closed at a zero balance; this one holds ${balance}`, 'NON_ZERO_BALANCE');
  }
}
