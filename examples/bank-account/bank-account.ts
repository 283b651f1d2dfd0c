import { Type } from 'class-transformer';
import { Aggregate, AggregateRoot, Apply, DomainError } from '../../src';
import { AccountClosedError, InsufficientFundsError, NonZeroBalanceError } from './errors';
import { AccountClosed, AccountOpened, MoneyDeposited, MoneyWithdrawn, Owner } from './events';

/**
 * A bank account: deposits, withdrawals down to an overdraft limit, closing at zero.
 * Commands check rules and raise events; only the `@Apply` handlers change state.
 */
@Aggregate('BankAccount', { snapshotEvery: 100 })
export class BankAccount extends AggregateRoot {
  @Type(() => Owner) owner: Owner | null = null;
  currency = '';
  balance = 0;
  overdraftLimit = 0;
  closed = false;

  static open(
    id: string,
    owner: Owner,
    currency: string,
    overdraftLimit = 0,
    openedAt = new Date(),
  ): BankAccount {
    const account = new BankAccount(id);
    account.raise(new AccountOpened(owner, currency, overdraftLimit, openedAt));
    return account;
  }

  deposit(amount: number): void {
    this.assertOpen();
    this.raise(new MoneyDeposited(amount));
  }

  withdraw(amount: number): void {
    this.assertOpen();
    const available = this.balance + this.overdraftLimit;
    if (amount > available) throw new InsufficientFundsError(available, amount);
    this.raise(new MoneyWithdrawn(amount));
  }

  close(reason: string): void {
    this.assertOpen();
    if (this.balance !== 0) throw new NonZeroBalanceError(this.balance);
    this.raise(new AccountClosed(reason));
  }

  private assertOpen(): void {
    if (!this.owner) throw new DomainError(`account ${this.id} was never opened`, 'NOT_OPENED');
    if (this.closed) throw new AccountClosedError(this.id);
  }

  @Apply(AccountOpened)
  private onOpened(event: AccountOpened): void {
    this.owner = event.owner;
    this.currency = event.currency;
    this.overdraftLimit = event.overdraftLimit;
  }

  @Apply(MoneyDeposited)
  private onDeposited(event: MoneyDeposited): void {
    this.balance += event.amount;
  }

  @Apply(MoneyWithdrawn)
  private onWithdrawn(event: MoneyWithdrawn): void {
    this.balance -= event.amount;
  }

  @Apply(AccountClosed)
  private onClosed(): void {
    this.closed = true;
  }
}
