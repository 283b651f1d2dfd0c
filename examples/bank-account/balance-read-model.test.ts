import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  EventRepository,
  InlineProjector,
  OrderedProjectionRunner,
  ReplicationProjectionRunner,
} from '../../src';
import { eventually, useScratchDatabase } from '../../test/change-feed/support/scratch-database';
import { BankAccount } from './bank-account';
import {
  AccountBalance,
  balanceProjection,
  CreateAccountBalances1732600000000,
} from './balance-read-model';
import { Owner } from './events';

const ada = new Owner('Ada Lovelace', 'ada@example.com');
const readModel = { entities: [AccountBalance], migrations: [CreateAccountBalances1732600000000] };

/**
 * Runs a small banking day through `save` and returns the aggregates' final states, the truth
 * every read model must match.
 */
async function bankingDay(
  save: (account: BankAccount) => Promise<void>,
  load: (id: string) => Promise<BankAccount>,
): Promise<BankAccount[]> {
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const account = BankAccount.open(randomUUID(), ada, 'EUR', 500);
    account.deposit(1_000 * (i + 1));
    await save(account);
    ids.push(account.id);
  }
  await Promise.all(
    ids.map(async (id, i) => {
      const account = await load(id);
      account.withdraw(300 + i);
      account.deposit(7);
      await save(account);
    }),
  );
  const closing = await load(ids[0]);
  closing.withdraw(closing.balance);
  closing.close('moved abroad');
  await save(closing);
  return Promise.all(ids.map(load));
}

async function expectBalancesMatch(dataSource: DataSource, accounts: BankAccount[]): Promise<void> {
  const rows = await dataSource.getRepository(AccountBalance).find();
  const byId = new Map(rows.map((r) => [r.accountId, r]));
  expect(rows).to.have.length(accounts.length);
  for (const account of accounts) {
    expect(byId.get(account.id)).to.deep.include({
      ownerName: 'Ada Lovelace',
      currency: 'EUR',
      balance: account.balance,
      closed: account.closed,
      version: account.version,
    });
  }
}

describe('Bank-account balance read model', () => {
  describe('built inline, in the transaction of each append', () => {
    const db = useScratchDatabase(readModel);

    it('matches every account after each save, and rolls back with a failed save', async () => {
      const repository = new EventRepository(db.dataSource);
      const projector = new InlineProjector(db.dataSource, [balanceProjection]);
      const accounts = await bankingDay(
        (account) => projector.saveWithProjections(repository, account),
        (id) => repository.load(BankAccount, id),
      );
      await expectBalancesMatch(db.dataSource, accounts);

      // A conflicting save writes neither the events nor the read-model change.
      const stale = await repository.load(BankAccount, accounts[1].id);
      const fresh = await repository.load(BankAccount, accounts[1].id);
      fresh.deposit(1);
      await projector.saveWithProjections(repository, fresh);
      stale.deposit(1_000_000);
      const error = await projector.saveWithProjections(repository, stale).catch((e: unknown) => e);
      expect(error).to.have.property('code', 'TESSERA_CONCURRENCY');
      const row = await db.dataSource.getRepository(AccountBalance).findOneByOrFail({
        accountId: fresh.id,
      });
      expect(row.balance).to.equal(fresh.balance);

      await db.dataSource.query('UPDATE account_balances SET balance = -1');
      await projector.rebuild(balanceProjection);
      await expectBalancesMatch(
        db.dataSource,
        await Promise.all(accounts.map((a) => repository.load(BankAccount, a.id))),
      );
    });
  });

  describe('built asynchronously from the ordered feed', () => {
    const db = useScratchDatabase(readModel);

    it('catches up with every account', async () => {
      const repository = new EventRepository(db.dataSource);
      const runner = new OrderedProjectionRunner(db.dataSource, balanceProjection, {
        pollIntervalMs: 20,
      });
      runner.start();
      try {
        const accounts = await bankingDay(
          async (account) => {
            await repository.save(account);
          },
          (id) => repository.load(BankAccount, id),
        );
        await eventually('the read model to catch up', async () => {
          const rows = await db.dataSource.getRepository(AccountBalance).find();
          return accounts.every((a) =>
            rows.some((r) => r.accountId === a.id && r.version === a.version),
          );
        });
        await expectBalancesMatch(db.dataSource, accounts);
      } finally {
        await runner.stop();
      }
    });
  });

  describe('built asynchronously from logical replication', () => {
    const db = useScratchDatabase({ ...readModel, logical: true });

    it('catches up with every account', async () => {
      const repository = new EventRepository(db.dataSource);
      const runner = new ReplicationProjectionRunner(db.dataSource, balanceProjection, {
        lockRetryMs: 50,
      });
      runner.start();
      try {
        const accounts = await bankingDay(
          async (account) => {
            await repository.save(account);
          },
          (id) => repository.load(BankAccount, id),
        );
        await eventually('the read model to catch up', async () => {
          const rows = await db.dataSource.getRepository(AccountBalance).find();
          return accounts.every((a) =>
            rows.some((r) => r.accountId === a.id && r.version === a.version),
          );
        });
        await expectBalancesMatch(db.dataSource, accounts);
      } finally {
        await runner.dropSlot();
      }
    });
  });
});
