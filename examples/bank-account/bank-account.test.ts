import { expect } from 'chai';
import { AggregateTestFixture } from '../../src/testing';
import { BankAccount } from './bank-account';
import { AccountClosedError, InsufficientFundsError, NonZeroBalanceError } from './errors';
import { AccountClosed, AccountOpened, MoneyDeposited, MoneyWithdrawn, Owner } from './events';

const ada = new Owner('Ada Lovelace', 'ada@example.com');
const ID = '00000000-0000-4000-8000-0000000000aa';
const opened = new AccountOpened(ada, 'EUR', 50, new Date('2026-01-01T09:00:00Z'));

describe('BankAccount (example domain)', () => {
  const account = () => AggregateTestFixture.for(BankAccount);

  it('opens an account', async () => {
    const account = await AggregateTestFixture.for(BankAccount)
      .when(() => BankAccount.open(ID, ada, 'EUR', 50, opened.openedAt))
      .expectEvents(opened);
    expect(account.balance).to.equal(0);
    expect(account.owner).to.deep.equal(ada);
  });

  it('deposits money', () =>
    account()
      .given(opened)
      .when((a) => a.deposit(100))
      .expectEvents(new MoneyDeposited(100)));

  it('withdraws down to the overdraft limit', async () => {
    const after = await account()
      .given(opened, new MoneyDeposited(100))
      .when((a) => a.withdraw(150))
      .expectEvents(new MoneyWithdrawn(150));
    expect(after.balance).to.equal(-50);
  });

  it('refuses to withdraw past the overdraft limit', async () => {
    const error = await account()
      .given(opened, new MoneyDeposited(100))
      .when((a) => a.withdraw(151))
      .expectError(InsufficientFundsError);
    expect(error.available).to.equal(150);
    expect(error.code).to.equal('INSUFFICIENT_FUNDS');
  });

  it('closes at a zero balance and then refuses deposits', async () => {
    await account()
      .given(opened, new MoneyDeposited(10), new MoneyWithdrawn(10))
      .when((a) => a.close('customer request'))
      .expectEvents(new AccountClosed('customer request'));
    await account()
      .given(opened, new AccountClosed('done'))
      .when((a) => a.deposit(5))
      .expectError(AccountClosedError);
  });

  it('does not close with money on the account', () =>
    account()
      .given(opened, new MoneyDeposited(10))
      .when((a) => a.close('x'))
      .expectError(NonZeroBalanceError));

  it('records nothing for a zero-amount deposit rejected by validation', () =>
    account()
      .given(opened)
      .when((a) => a.deposit(0))
      .expectError(Error, 'amount'));
});
