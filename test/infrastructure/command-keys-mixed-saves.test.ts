import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BankAccount, Owner } from '../../examples/bank-account';
import { CommandIdReusedError, EventRepository } from '../../src';
import { useScratchDatabase } from '../change-feed/support/scratch-database';

const ada = new Owner('Ada Lovelace', 'ada@example.com');
const openedAt = new Date('2026-01-02T03:04:05Z');

async function hotRows(dataSource: DataSource, id: string): Promise<number> {
  const [{ n }] = await dataSource.query<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM events WHERE aggregate_id = $1',
    [id],
  );
  return n;
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('the save was accepted'),
    (error: unknown) => error,
  );
}

describe('keyed saves over new and existing streams at once, and in a caller’s transaction', function () {
  this.timeout(120_000);
  const db = useScratchDatabase({ poolSize: 6 });

  it('saveAll with a key over a new and an existing stream: stale retry, fresh retry, reuse', async () => {
    const repository = new EventRepository(db.dataSource);
    const existing = randomUUID();
    await repository.save(BankAccount.open(existing, ada, 'EUR'));
    const fresh = randomUUID();
    const run = async (amount: number, id = fresh) => {
      const a = BankAccount.open(id, ada, 'EUR', 0, openedAt);
      const b = await repository.load(BankAccount, existing);
      b.deposit(amount);
      return repository.saveAll([a, b], { commandId: 'mixed' });
    };
    const staleB = await repository.load(BankAccount, existing);
    const first = await run(10);
    expect(first.replayed).to.equal(false);
    // stale: B at version 1 again, A new again.
    const a2 = BankAccount.open(fresh, ada, 'EUR', 0, openedAt);
    staleB.deposit(10);
    const stale = await repository.saveAll([a2, staleB], { commandId: 'mixed' });
    expect(stale.replayed).to.equal(true);
    // fresh loads of both, command run again on top.
    const fa = BankAccount.open(fresh, ada, 'EUR', 0, openedAt);
    const fb = await repository.load(BankAccount, existing);
    fb.deposit(10);
    const again = await repository.saveAll([fa, fb], { commandId: 'mixed' });
    expect(again.replayed, 'fresh retry of both').to.equal(true);
    expect(await hotRows(db.dataSource, fresh)).to.equal(1);
    expect(await hotRows(db.dataSource, existing)).to.equal(2);
    // other events with the same key
    const oa = await repository.load(BankAccount, fresh);
    oa.deposit(1);
    expect(await refusal(repository.saveAll([oa], { commandId: 'mixed' }))).to.be.instanceOf(
      CommandIdReusedError,
    );
  });

  it('saveAll with a key, >64 rows, new + existing streams (array form)', async () => {
    const repository = new EventRepository(db.dataSource);
    const existing = randomUUID();
    await repository.save(BankAccount.open(existing, ada, 'EUR'));
    const fresh = randomUUID();
    const build = async () => {
      const a = BankAccount.open(fresh, ada, 'EUR', 0, openedAt);
      for (let i = 0; i < 40; i++) a.deposit(1);
      const b = await repository.load(BankAccount, existing);
      for (let i = 0; i < 40; i++) b.deposit(1);
      return [a, b];
    };
    const s1 = await build();
    const s2 = await build();
    await repository.saveAll(s1, { commandId: 'big-mixed' });
    const replay = await repository.saveAll(s2, { commandId: 'big-mixed' });
    expect(replay.replayed).to.equal(true);
    const fa = BankAccount.open(fresh, ada, 'EUR', 0, openedAt);
    const fb = await repository.load(BankAccount, existing);
    for (let i = 0; i < 40; i++) fa.deposit(1);
    for (let i = 0; i < 40; i++) fb.deposit(1);
    expect((await repository.saveAll([fa, fb], { commandId: 'big-mixed' })).replayed).to.equal(
      true,
    );
    expect(await hotRows(db.dataSource, fresh)).to.equal(41);
    expect(await hotRows(db.dataSource, existing)).to.equal(41);
  });

  it('inside a caller transaction (manager): replay of a key on version 1 and on a later row', async () => {
    const repository = new EventRepository(db.dataSource);
    const id = randomUUID();
    await repository.save(BankAccount.open(id, ada, 'EUR', 0, openedAt), { commandId: 'open-m' });
    await repository.update(BankAccount, id, (a) => a.deposit(3), { commandId: 'dep-m' });
    await db.dataSource
      .transaction(async (manager) => {
        const r1 = await repository.save(BankAccount.open(id, ada, 'EUR', 0, openedAt), {
          commandId: 'open-m',
          manager,
        });
        expect(r1.replayed).to.equal(true);
        const a = await repository.load(BankAccount, id);
        a.deposit(3);
        const r2 = await repository.save(a, { commandId: 'dep-m', manager });
        expect(r2.replayed).to.equal(true);
        const b = await repository.load(BankAccount, id);
        b.deposit(3);
        const r3 = await repository.save(b, { commandId: 'open-m', manager });
        expect.fail(`reused key accepted: ${JSON.stringify(r3)}`);
      })
      .catch((e: unknown) => {
        expect(e).to.be.instanceOf(CommandIdReusedError);
      });
    expect(await hotRows(db.dataSource, id)).to.equal(2);
  });
});
