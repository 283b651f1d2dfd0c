import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, EventRepository } from '../../src';
import { BankAccount, Owner } from '../../examples/bank-account';
import { useTestDatabase } from '../support/database';

const ada = new Owner('Ada Lovelace', 'ada@example.com');

async function count(db: ReturnType<typeof useTestDatabase>, ids: string[]): Promise<number> {
  const [{ n }] = await db.dataSource.query<Array<{ n: number }>>(
    'SELECT count(*)::int AS n FROM events WHERE aggregate_id = ANY($1::uuid[])',
    [ids],
  );
  return n;
}

describe('EventRepository.save with aggregates required unchanged (PostgreSQL)', () => {
  const db = useTestDatabase();

  it('checks the condition in the array form of a large append too, writing nothing when it fails', async () => {
    const repository = new EventRepository(db.dataSource);
    const account = BankAccount.open(randomUUID(), ada, 'EUR');
    await repository.save(account);
    const big = BankAccount.open(randomUUID(), ada, 'EUR');
    for (let i = 1; i < 80; i++) big.deposit(i);
    account.deposit(1);
    await repository.save(account);
    const error: unknown = await repository
      .save(big, { unchanged: [{ aggregateId: account.id, version: 1 }] })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConcurrencyError);
    expect((error as ConcurrencyError).aggregateId).to.equal(account.id);
    expect((error as ConcurrencyError).byCondition).to.equal(true);
    expect(await count(db, [big.id])).to.equal(0);
    await repository.save(big, { unchanged: [{ aggregateId: account.id, version: 2 }] });
    expect(await count(db, [big.id])).to.equal(80);
  });

  it('lets at most one of two saves conditioned on each other commit in SERIALIZABLE transactions', async () => {
    // Under READ COMMITTED each save sees the other's write only once committed, so two saves
    // each requiring the other unchanged could both pass (write skew). SERIALIZABLE makes
    // PostgreSQL abort one of them: the documented recipe for conditions that run both ways.
    const repository = new EventRepository(db.dataSource);
    for (let round = 0; round < 5; round++) {
      const a = BankAccount.open(randomUUID(), ada, 'EUR');
      const b = BankAccount.open(randomUUID(), ada, 'EUR');
      await repository.saveAll([a, b]);
      let bothSaved!: () => void;
      const saved = new Promise<void>((resolve) => (bothSaved = resolve));
      let pending = 2;
      const attempt = (mine: BankAccount, other: BankAccount) =>
        db.dataSource.transaction('SERIALIZABLE', async (manager) => {
          mine.deposit(10);
          try {
            await repository.save(mine, {
              manager,
              unchanged: [{ aggregateId: other.id, version: 1 }],
            });
          } finally {
            if (--pending === 0) bothSaved();
          }
          // Both statements ran before either transaction commits: the interleaving that a
          // READ COMMITTED check cannot see.
          await saved;
        });
      const outcomes = await Promise.allSettled([attempt(a, b), attempt(b, a)]);
      const committed = outcomes.filter((o) => o.status === 'fulfilled').length;
      expect(committed, `round ${round}`).to.equal(1);
      expect(await count(db, [a.id, b.id])).to.equal(3);
    }
  });
});
