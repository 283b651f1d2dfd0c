import { Aggregate, AggregateRoot, Apply } from '../src';
import { AccountOpened, MoneyDeposited, Owner } from '../examples/bank-account';

/**
 * A bank-account-like aggregate with a snapshot every 100 events, for the snapshot scenario. It
 * reuses the example's events, so its rows are the bank account's rows.
 */
@Aggregate('BenchSnapAccount', { snapshotEvery: 100 })
export class BenchSnapAccount extends AggregateRoot {
  owner = '';
  currency = '';
  balance = 0;

  /** Opens an account. */
  static open(id: string, owner: Owner): BenchSnapAccount {
    const account = new BenchSnapAccount(id);
    account.raise(new AccountOpened(owner, 'EUR', 0, new Date()));
    return account;
  }

  /** Deposits `amount` cents. */
  deposit(amount: number): void {
    this.raise(new MoneyDeposited(amount));
  }

  @Apply(AccountOpened)
  private onOpened(event: AccountOpened): void {
    this.owner = event.owner.name;
    this.currency = event.currency;
  }

  @Apply(MoneyDeposited)
  private onDeposited(event: MoneyDeposited): void {
    this.balance += event.amount;
  }
}
